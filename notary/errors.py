"""Notary domain errors, each with its HTTP status and stable code (config/errors.py maps them)."""

from config.errors import DomainError


class InvalidTransition(DomainError):
    status, code, message = 409, "invalid_transition", "The case cannot do this in its current state."


class MissingDocuments(DomainError):
    status, code, message = 400, "missing_documents", "Required documents are missing."


class NotEligible(DomainError):
    status, code, message = 400, "not_eligible", "The applicant is not eligible for this programme."


class MatterNotOffered(DomainError):
    status, code, message = 400, "matter_not_offered", "This office does not notarize this matter remotely."


class UnsupportedType(DomainError):
    status, code, message = 400, "unsupported_type", "Only PDF, JPEG and PNG files are accepted (checked by content)."


class EmptyFile(DomainError):
    status, code, message = 400, "empty_file", "The file is empty."


class InvalidFilename(DomainError):
    status, code, message = 400, "invalid_filename", "The file name is not acceptable."


class FileTooLarge(DomainError):
    status, code, message = 413, "file_too_large", "The file is over the size limit."


class DocumentsLocked(DomainError):
    status, code, message = 409, "documents_locked", "Documents are locked once the session has started."


class UnknownReasonCode(DomainError):
    status, code, message = 400, "unknown_reason_code", "This reason code is not defined for the jurisdiction."


class IdentityLocked(DomainError):
    status, code, message = 429, "identity_locked", "Too many failed identity checks; try again after the lock ends."


class InterpreterNotAllowed(DomainError):
    status, code, message = 409, "interpreter_not_allowed", "This matter's jurisdiction forbids interpreters."


class InvalidIdentityDocument(DomainError):
    status, code, message = 400, "invalid_identity_document", "The identity document details are not acceptable."
