from django import forms
from django.utils.translation import gettext_lazy as _

from sistra.core.forms import PlainLabelsMixin, ServiceErrorsMixin

from .models import LinkCandidate


class DecisionForm(ServiceErrorsMixin, PlainLabelsMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decisión"),
        widget=forms.RadioSelect,
        choices=[
            (LinkCandidate.Status.LINKED, _("Es la misma persona: vincular")),
            (LinkCandidate.Status.NOT_SAME, _("No es la misma persona")),
            (LinkCandidate.Status.UNSURE, _("No se sabe (queda en la cola)")),
        ],
    )
    reason = forms.CharField(label=_("Motivo"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(ServiceErrorsMixin, PlainLabelsMixin, forms.Form):
    reason = forms.CharField(label=_("Motivo"), max_length=500)
