"""The forms of group appointment invitations: "Send Invite" (office) and "Join" (portal)."""

from django import forms

from contacts.models import Contact

from ..services.invitations import MAX_EMAIL, MAX_NAME

NEW_STUDENT = "new"


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        max_length=MAX_EMAIL,
        help_text="The email address of the family's account, not the student's own.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    student_name = forms.CharField(
        label="Student name",
        max_length=MAX_NAME,
        help_text="First and last name of the student invited to share the appointment.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class JoinForm(forms.Form):
    """Which student joins: one of the family's students, or (when none has the invited
    name) a new student of the family with that name."""

    student = forms.ChoiceField(
        label="Student",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the student who joins.",
            "invalid_choice": "Choose one of your family's students.",
        },
    )

    def __init__(self, *args, students: list[Contact], new_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.students = {str(s.pk): s for s in students}
        choices = [(pk, f"{s.first_name} {s.last_name}") for pk, s in self.students.items()]
        if new_name:
            choices.append((NEW_STUDENT, f"{new_name} (add as a new student of my family)"))
        self.fields["student"].choices = choices
        if len(choices) == 1:
            self.fields["student"].initial = choices[0][0]

    def chosen_student(self) -> Contact | None:
        """The student chosen (None: the new student)."""
        value = self.cleaned_data["student"]
        return None if value == NEW_STUDENT else self.students[value]
