"""Domain rules: every state change of the portal happens in a function of this package."""


class ServiceError(Exception):
    """A rule refused the action; `message` is a translatable string for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
