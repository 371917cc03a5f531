"""Class mode: students join the dashboard and each becomes one resident (see :mod:`.room`)."""

from .room import CODE_ALPHABET, MAX_STUDENTS, ClassRoom, JoinError, Student, new_code

__all__ = ["CODE_ALPHABET", "MAX_STUDENTS", "ClassRoom", "JoinError", "Student", "new_code"]
