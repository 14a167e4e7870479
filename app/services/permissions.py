"""Who may do what: small predicates used by routes (403) and templates (hide the control)."""
from flask_babel import lazy_gettext as _l


def can_administer(user):
    """Only the platform officer (admin) configures rules, moderates, and runs conferences and votes."""
    return bool(user and user.is_authenticated and user.is_admin)


def is_verified_resident(user):
    """Proposing, supporting, commenting and voting need a resident verified by the district."""
    return bool(user and user.is_authenticated and user.is_verified_resident)


def can_propose(user):
    return is_verified_resident(user)


def why_not_support(user, proposal):
    """None if `user` may support `proposal` now, else the reason to show.

    Authors cannot support their own proposal (it would count them twice); only open proposals
    and those under review take support, so a closed or answered one keeps its final count.
    """
    if not is_verified_resident(user):
        return _l("Only verified residents can support proposals.")
    if proposal.author_id == user.id:
        return _l("You cannot support your own proposal.")
    if proposal.status not in ("open", "in_review"):
        return _l("This proposal no longer takes support.")
    return None


def can_support(user, proposal):
    return why_not_support(user, proposal) is None


def is_member(user, division):
    return bool(user and user.is_authenticated and division is not None
                and any(m.division_id == division.id for m in user.memberships))


def can_answer(user, proposal):
    """Staff of the division in charge answer, transfer and update; the admin may act for any."""
    return can_administer(user) or (bool(user and user.is_authenticated and user.is_staff)
                                    and is_member(user, proposal.division))


def can_answer_as_mayor(user, mayor_office):
    return can_administer(user) or is_member(user, mayor_office)


def can_see_staff_page(user, proposal, mayor_office=None):
    """Staff work on their own divisions' proposals only (the Mayor's office also on those owed the
    Mayor's answer); admins see all. A hidden proposal is the moderator's business alone: its body
    may hold what got it hidden (personal data, abuse), so division staff no longer see it.
    """
    if can_administer(user):
        return True
    if not (user and user.is_authenticated and user.is_staff) or proposal.status == "hidden":
        return False
    return is_member(user, proposal.division) or (proposal.mayor_requested_at is not None
                                                  and is_member(user, mayor_office))


# Opinions are taken while the proposal is still being decided or carried out. A withdrawn, closed
# (expired) or hidden proposal is over or off the record; a rejected or completed one has its final,
# published answer, and new opinions there would go unanswered by anyone.
ACCEPTS_COMMENTS = ("open", "in_review", "answered", "at_conference", "voting", "adopted", "implementing")


def why_not_comment(user, proposal):
    """None if `user` may comment on `proposal` now, else the reason to show."""
    if not (user and user.is_authenticated and (user.is_verified_resident or user.is_staff)):
        return _l("Only verified residents and staff can comment.")
    if proposal.is_imported or proposal.status not in ACCEPTS_COMMENTS:
        return _l("This proposal no longer takes opinions.")
    return None


def can_comment(user, proposal):
    return why_not_comment(user, proposal) is None


def why_not_vote(user, proposal, now):
    if not is_verified_resident(user):
        return _l("Only verified residents can vote.")
    if proposal.status != "voting" or not (proposal.vote_opens_at <= now < proposal.vote_closes_at):
        return _l("The vote on this proposal is not open.")
    return None
