"""Users: email login, an IANA time zone, a language, a role and a legal-aid group."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_phone, validate_timezone


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    LAWYER = "lawyer", _("Lawyer")
    NOTARY = "notary", _("Notary")
    STAFF = "staff", _("Staff")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class LegalAidGroup(models.TextChoices):
    NONE = "none", _("None")
    ELDERLY = "elderly", _("Elderly")
    DISABILITY = "disability", _("Person with a disability")
    MINOR = "minor", _("Minor")
    MIGRANT_WORKER = "migrant_worker", _("Migrant worker")
    VETERAN = "veteran", _("Veteran")
    LOW_INCOME = "low_income", _("Low-income family")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=Role.STAFF)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address.

    ``timezone`` is an IANA name used to render every instant this user sees;
    ``phone`` is stored in E.164; ``legal_aid_group`` is the self-declared
    eligibility group that makes legal-aid services free.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.EN)
    phone = models.CharField(max_length=20, blank=True, validators=[validate_phone])
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CLIENT)
    legal_aid_group = models.CharField(max_length=20, choices=LegalAidGroup.choices, default=LegalAidGroup.NONE)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    @property
    def is_staff_member(self) -> bool:
        return self.is_staff or self.role == Role.STAFF
