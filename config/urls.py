from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views
from notary import pages as notary_pages
from notary import views as notary_views
from privacy import views as privacy_views
from scheduling.calendar_api import calendar_feed
from video import views as video_views

from . import views
from .csp_reports import csp_report

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("scheduling.urls")),
    path("", include("notary.urls")),
    path("", include("video.urls")),
    path("", include("privacy.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script file (no inline script);
    # its page still carries one inline <style>, hence 'unsafe-inline' styles on this page only.
    path(
        "docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("csp-report/", csp_report, name="csp-report"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin): no 404 in their consoles.
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("admin/", admin.site.urls),
    path("accounts/delete/", privacy_views.account_delete_page, name="account-delete"),
    path("accounts/", include("accounts.page_urls")),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("", include("scheduling.page_urls")),
    path("api/v1/", include(api_v1)),
    re_path(r"^calendar/(?P<feed_token>[A-Za-z0-9_-]{1,64})\.ics$", calendar_feed, name="calendar-feed"),
    path("verify/<str:code>/", notary_views.verify, name="certificate-verify"),
    path("notary/cases/", notary_pages.case_list_page, name="notary-case-list-page"),
    path("notary/cases/new/", notary_pages.case_new_page, name="notary-case-new-page"),
    path("notary/cases/<str:case_id>/", notary_pages.case_detail_page, name="notary-case-page"),
    path("rooms/<str:room_id>/", video_views.room_page, name="room"),
    path("rooms/<str:room_id>/join/<str:token>/", video_views.guest_join, name="video-guest-join"),
    re_path(r"^api/", views.api_not_found, name="api-not-found"),  # unknown API paths answer in JSON even with DEBUG on
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
