"""The account-deletion page (the form sits on the preferences page; the answer lists what was kept)."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST

from config.errors import DomainError

from .services import account_delete


@login_required
@require_POST
def account_delete_page(request):
    """POST ``password``: delete the account, sign out and show the report; a refusal shows its message (400-429)."""
    try:
        report = account_delete(request=request, user=request.user, password=request.POST.get("password", ""))
    except DomainError as exc:
        return render(request, "privacy/delete.html", {"error": exc.message}, status=exc.status)
    logout(request)
    return render(request, "privacy/delete.html", {"report": report})
