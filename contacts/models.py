from django.conf import settings
from django.db import models

from . import phones


class Family(models.Model):
    """A portal account: the account email logs in and receives invitations."""

    name = models.CharField(max_length=200)
    account_email = models.EmailField(unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="family",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "families"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    billing_address = models.TextField(blank=True)
    billing_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # Trigram index on upper(name): see migration 0002 (PostgreSQL only).

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    mobile = models.CharField(
        max_length=20, blank=True, help_text="Stored in E.164 form, e.g. +447700900123."
    )
    date_of_birth = models.DateField(null=True, blank=True)
    family = models.ForeignKey(
        Family, null=True, blank=True, on_delete=models.SET_NULL, related_name="students"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
        help_text="Portal login of a student who has their own account.",
    )
    organisations = models.ManyToManyField(
        Organisation, through="Membership", related_name="contacts", blank=True
    )
    # Lower-case "first last national-mobile-digits": one trigram index serves every search.
    search_text = models.CharField(max_length=260, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            # + a trigram index on search_text, migration 0002 (PostgreSQL only).
            models.Index(fields=["last_name", "first_name", "id"], name="contact_name_order"),
            # A complete number typed into a search is an exact lookup (selectors.whole_mobile).
            models.Index(fields=["mobile"], name="contact_mobile"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def mobile_display(self) -> str:
        return phones.display(self.mobile)

    def refresh_search_text(self) -> None:
        digits = phones.search_digits(self.mobile) if self.mobile else ""
        self.search_text = f"{self.first_name} {self.last_name} {digits}".lower().strip()

    def save(self, *args, **kwargs):
        self.mobile = phones.normalise(self.mobile) or self.mobile
        self.refresh_search_text()
        super().save(*args, **kwargs)


class Membership(models.Model):
    """Links a contact to an organisation; only members can be its lead bookers or delegates."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="memberships")
    job_title = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "contact"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.organisation}"
