from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import has, require
from core.forms import OptionalReasonForm
from core.paging import QuickPage
from core.web import (
    action_view,
    click_once,
    int_or_none,
    partial_template,
    posted,
    submit_once,
)

from . import selectors, services
from .forms import ContactForm, FamilyForm, OrganisationForm, PickedContactForm
from .models import Contact, Family, Organisation

PER_PAGE = 25


def _page(request: HttpRequest, queryset):
    return QuickPage(queryset, request.GET.get("page"), PER_PAGE)


# --- Contacts ------------------------------------------------------------------------------


@require("view_contacts")
@vary_on_headers("HX-Request")
def contact_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.contacts_matching(q).select_related("family"))
    return render(
        request,
        partial_template(request, "contacts/contact_list.html", "results"),
        {"page": page, "q": q, "can_manage": has(request.user, "manage_contacts")},
    )


@require("view_contacts")
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        contact = selectors.contact_detail(pk)
    except Contact.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "contacts/contact_detail.html",
        {
            "contact": contact,
            "bookings_url": reverse("bookings:contact_bookings", args=[contact.pk]),
            "can_manage": has(request.user, "manage_contacts"),
        },
    )


@require("manage_contacts")
def contact_create(request: HttpRequest) -> HttpResponse:
    family = None
    family_id = int_or_none(request.GET.get("family") or request.POST.get("family"))
    if family_id:
        family = get_object_or_404(Family, pk=family_id)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="New contact",
            run=lambda: services.contact_create(
                actor=request.user, family=family, **form.cleaned_data
            ),
            url=lambda contact: (
                reverse("contacts:family_detail", args=[family.pk])
                if family
                else reverse("contacts:detail", args=[contact.pk])
            ),
            done=lambda contact: f"Contact {contact.full_name} created.",
        )
    ):
        return response
    return render(
        request, "contacts/contact_form.html", {"form": form, "family": family, "contact": None}
    )


@require("manage_contacts")
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("family"), pk=pk)
    form = ContactForm(request.POST or None, initial=ContactForm.initial_for(contact))
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title=f"Edit contact {contact.full_name}",
            run=lambda: services.contact_update(
                actor=request.user, contact=contact, family=contact.family, **form.cleaned_data
            ),
            url=reverse("contacts:detail", args=[contact.pk]),
            done=lambda result: "Contact saved.",
        )
    ):
        return response
    return render(
        request,
        "contacts/contact_form.html",
        {"form": form, "contact": contact, "family": contact.family},
    )


# --- Organisations -------------------------------------------------------------------------


@require("view_contacts")
@vary_on_headers("HX-Request")
def organisation_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.organisation_list(q))
    return render(
        request,
        partial_template(request, "contacts/organisation_list.html", "results"),
        {"page": page, "q": q, "can_manage": has(request.user, "manage_contacts")},
    )


@require("view_contacts")
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_organisation(request, pk)


def _render_organisation(request: HttpRequest, pk: int, member_form=None) -> HttpResponse:
    try:
        organisation = selectors.organisation_detail(pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "contacts/organisation_detail.html",
        {
            "organisation": organisation,
            "member_form": member_form or PickedContactForm(),
            "can_manage": has(request.user, "manage_contacts"),
        },
        status=400 if member_form is not None else 200,
    )


@require("manage_contacts")
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="New organisation",
            run=lambda: services.organisation_create(actor=request.user, **form.cleaned_data),
            url=lambda org: reverse("contacts:organisation_detail", args=[org.pk]),
            done=lambda org: f"Organisation {org.name} created.",
        )
    ):
        return response
    return render(request, "contacts/organisation_form.html", {"form": form, "organisation": None})


@require("manage_contacts")
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    form = OrganisationForm(
        request.POST or None, initial=OrganisationForm.initial_for(organisation)
    )
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title=f"Edit organisation {organisation.name}",
            run=lambda: services.organisation_update(
                actor=request.user, organisation=organisation, **form.cleaned_data
            ),
            url=reverse("contacts:organisation_detail", args=[organisation.pk]),
            done=lambda result: "Organisation saved.",
        )
    ):
        return response
    return render(
        request, "contacts/organisation_form.html", {"form": form, "organisation": organisation}
    )


@require_POST
@require("manage_contacts")
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    form = PickedContactForm(request.POST)
    response = submit_once(
        request,
        form,
        title=f"Add member to {organisation.name}",
        run=lambda: services.membership_add(
            actor=request.user,
            organisation=organisation,
            contact=form.cleaned_data["contact"],
            job_title=form.cleaned_data["job_title"],
        ),
        url=reverse("contacts:organisation_detail", args=[organisation.pk]),
        done=lambda result: f"{form.cleaned_data['contact'].full_name} added.",
    )
    return response or _render_organisation(request, pk, member_form=form)


@require("manage_contacts")
@vary_on_headers("HX-Request")
def membership_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Asks first; names the organisation's live bookings the member leads or attends."""
    organisation = get_object_or_404(Organisation, pk=pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    consequence = services.membership_removal_consequence(
        organisation=organisation, contact=contact
    ) or (
        f"{contact.full_name} is on no live booking of {organisation.name}; they will no "
        "longer be offered as a lead booker or delegate for its bookings."
    )
    return action_view(
        request,
        form=OptionalReasonForm(posted(request)),
        run=lambda data: services.membership_remove(
            actor=request.user, organisation=organisation, contact=contact, reason=data["reason"]
        ),
        done=lambda result, data: f"{contact.full_name} removed from {organisation.name}.",
        title=f"Remove {contact.full_name}",
        subject=organisation.name,
        back_url=reverse("contacts:organisation_detail", args=[organisation.pk]),
        submit="Remove member",
        preview=False,
        danger=True,
        consequence=consequence,
    )


# --- Families ------------------------------------------------------------------------------


@require("view_contacts")
@vary_on_headers("HX-Request")
def family_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = _page(request, selectors.family_list(q))
    return render(
        request,
        partial_template(request, "contacts/family_list.html", "results"),
        {"page": page, "q": q, "can_manage": has(request.user, "manage_contacts")},
    )


@require("view_contacts")
def family_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_family(request, pk)


def _render_family(request: HttpRequest, pk: int, student_form=None) -> HttpResponse:
    try:
        family = selectors.family_detail(pk)
    except Family.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "contacts/family_detail.html",
        {
            "family": family,
            "student_form": student_form or PickedContactForm(),
            "can_manage": has(request.user, "manage_contacts"),
        },
        status=400 if student_form is not None else 200,
    )


@require("manage_contacts")
def family_create(request: HttpRequest) -> HttpResponse:
    form = FamilyForm(request.POST or None)
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title="New family",
            run=lambda: services.family_create(actor=request.user, **form.cleaned_data),
            url=lambda family: reverse("contacts:family_detail", args=[family.pk]),
            done=lambda family: f"Family {family.name} created. Now add its students.",
        )
    ):
        return response
    return render(request, "contacts/family_form.html", {"form": form, "family": None})


@require("manage_contacts")
def family_edit(request: HttpRequest, pk: int) -> HttpResponse:
    family = get_object_or_404(Family, pk=pk)
    form = FamilyForm(
        request.POST or None, initial={"name": family.name, "account_email": family.account_email}
    )
    if request.method == "POST" and (
        response := submit_once(
            request,
            form,
            title=f"Edit family {family.name}",
            run=lambda: services.family_update(
                actor=request.user, family=family, **form.cleaned_data
            ),
            url=reverse("contacts:family_detail", args=[family.pk]),
            done=lambda result: "Family saved.",
        )
    ):
        return response
    return render(request, "contacts/family_form.html", {"form": form, "family": family})


@require_POST
@require("manage_contacts")
def family_student_add(request: HttpRequest, pk: int) -> HttpResponse:
    family = get_object_or_404(Family, pk=pk)
    form = PickedContactForm(request.POST)
    response = submit_once(
        request,
        form,
        title=f"Add student to {family.name}",
        run=lambda: services.family_student_add(
            actor=request.user, family=family, contact=form.cleaned_data["contact"]
        ),
        url=reverse("contacts:family_detail", args=[family.pk]),
        done=lambda result: f"{form.cleaned_data['contact'].full_name} added.",
    )
    return response or _render_family(request, pk, student_form=form)


@require_POST
@require("manage_contacts")
def family_student_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    family = get_object_or_404(Family, pk=pk)
    contact = get_object_or_404(Contact, pk=contact_pk)
    return click_once(
        request,
        title=f"Remove {contact.full_name} from {family.name}",
        url=reverse("contacts:family_detail", args=[family.pk]),
        run=lambda: services.family_student_remove(
            actor=request.user, family=family, contact=contact
        ),
        done=lambda result: f"{contact.full_name} removed from {family.name}.",
    )


# --- Picker endpoints (templates/contacts/_picker.html) --------------------------------------


def _suggestions(
    request: HttpRequest, items: list[dict], *, kind: str, no_organisation: bool = False
) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    return render(
        request,
        "contacts/_suggestions.html",
        {
            "items": items,
            "kind": kind,
            # An empty box shows nothing, except when restricted to an organisation's members.
            "show": bool(q) or "organisation" in request.GET,
            "no_organisation": no_organisation,
        },
    )


@require("view_contacts")
def pick_contacts(request: HttpRequest) -> HttpResponse:
    """Suggestions for a contact picker: `q`, optional `organisation` (members only), `name`."""
    q = request.GET.get("q", "")
    restricted = "organisation" in request.GET
    organisation_id = int_or_none(request.GET.get("organisation", "").strip())
    if restricted and not organisation_id:
        # No organisation chosen yet (or an unreadable id): a restriction must never widen to
        # everyone, so suggest nobody.
        return _suggestions(request, [], kind="contacts", no_organisation=True)
    contacts = selectors.contact_search(q, organisation_id=organisation_id)
    items = [
        {"id": c.pk, "label": c.full_name, "detail": c.mobile_display or c.email} for c in contacts
    ]
    return _suggestions(request, items, kind="contacts")


@require("view_contacts")
def pick_organisations(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisation_search(request.GET.get("q", ""))
    items = [{"id": o.pk, "label": o.name, "detail": o.billing_email} for o in organisations]
    return _suggestions(request, items, kind="organisations")
