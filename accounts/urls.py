from django.urls import path

from . import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", api.TokenObtainApi.as_view(), name="auth-token"),
]
