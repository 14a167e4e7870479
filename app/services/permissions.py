"""Who may do what: small predicates used by routes (403) and templates (hide the control)."""


def can_administer(user):
    """Only the platform officer (admin) configures divisions and verifies residents."""
    return bool(user and user.is_authenticated and user.is_admin)


def is_verified_resident(user):
    """Proposing, supporting and voting need a resident verified by the district."""
    return bool(user and user.is_authenticated and user.is_verified_resident)
