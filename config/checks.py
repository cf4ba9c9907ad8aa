"""Our own system checks (``manage.py check``; every command that runs checks stops on an Error)."""

import sys

from django.conf import settings
from django.core.checks import Error, Tags, register

# Commands that only read code and sign nothing: they may run in a bare checkout
# without a SECRET_KEY (the process then holds a throwaway key, see settings).
OFFLINE_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate", "makemessages", "compilemessages", "spectacular"}


@register(Tags.security)
def secret_key_check(app_configs=None, **kwargs):
    """With DEBUG off the process needs a real SECRET_KEY (``settings.SECRET_KEY_PROBLEM``).

    The server itself refuses to start in config/asgi.py; this stops every
    management command that runs checks (check, migrate, send_reminders, ...),
    except the offline ones above.
    """
    problem = getattr(settings, "SECRET_KEY_PROBLEM", "")
    if not problem or (len(sys.argv) > 1 and sys.argv[1] in OFFLINE_COMMANDS):
        return []
    return [Error(problem, hint="Set SECRET_KEY in the environment.", id="lexmeet.E001")]
