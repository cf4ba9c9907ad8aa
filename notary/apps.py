from django.apps import AppConfig


class NotaryConfig(AppConfig):
    name = "notary"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from video.services import INVITE_POLICIES, RECORDING_CONTEXTS

        from .recordings import room_recording_context
        from .services.session import room_invite_refusal

        if room_invite_refusal not in INVITE_POLICIES:
            INVITE_POLICIES.append(room_invite_refusal)
        if room_recording_context not in RECORDING_CONTEXTS:
            RECORDING_CONTEXTS.append(room_recording_context)
