"""What a kit raises when it cannot compute: mlcheck maps each to a case outcome."""


class KitRequirement(Exception):
    """A stated requirement is missing (a framework that is not installed): the case is skipped."""

    def __init__(self, message, **extra):
        super().__init__(message)
        self.extra = extra


class KitDataError(Exception):
    """The input data is wrong (truncated, mismatched): the case is undecided, never failed."""

    def __init__(self, message, **extra):
        super().__init__(message)
        self.extra = extra


class KitUsageError(Exception):
    """The hyperparameters cannot work with this data (a validation set larger than the data)."""
