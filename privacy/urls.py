from django.urls import path

from . import api

urlpatterns = [
    path("me/export/", api.PersonalDataExportApi.as_view(), name="me-export"),
    path("me/delete/", api.AccountDeleteApi.as_view(), name="me-delete"),
]
