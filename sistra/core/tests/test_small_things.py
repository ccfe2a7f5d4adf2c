"""The small things of issue 15 that users noticed: the blank line of a required list in Spanish, art. 129-M
without "(denominación por verificar)", 129-Ñ between 129-N and 129-O, stored Spanish summaries shown in
English on English pages, and the hotline's phone help that says what is kept (a keyed hash)."""

import pytest
from django.db import models
from django.utils import translation

from sistra.cases.forms import ChargeForm
from sistra.cases.models import Case
from sistra.core.models import PenalArticle, article_order
from sistra.core.stored_text import display_text
from sistra.hotline.forms import ContactForm


def test_a_required_list_starts_with_a_spanish_blank_line():
    field = Case._meta.get_field("source")
    with translation.override("es"):
        blank = str(field.formfield().choices[0][1])
    assert blank == "— Elija una opción —"
    assert models.fields.BLANK_CHOICE_LABEL is not None


def test_the_blank_line_is_english_on_english_pages():
    field = Case._meta.get_field("source")
    with translation.override("en"):
        assert str(field.formfield().choices[0][1]) == "— Select an option —"


@pytest.mark.django_db
def test_article_129_m_has_a_neutral_title_not_a_note_to_check():
    article = PenalArticle.objects.get(code="CP-129-M-L31146")
    assert article.title_es == "Artículo 129-M del Código Penal"
    assert "verificar" not in article.title_es and "verified" not in article.title_en


@pytest.mark.django_db
def test_129_n_tilde_sorts_between_129_n_and_129_o():
    PenalArticle.objects.create(
        code="PRUEBA-129-N", article="129-N", law="Ley 31146", title_es="Prueba", valid_from="2021-03-31"
    )
    ordered = list(
        PenalArticle.objects.filter(article__startswith="129-")
        .order_by(article_order())
        .values_list("article", flat=True)
    )
    assert ordered.index("129-N") < ordered.index("129-Ñ") < ordered.index("129-O")
    assert ordered.index("129-M") < ordered.index("129-N")


@pytest.mark.django_db
def test_the_charge_form_lists_129_n_tilde_before_129_o():
    labels = [label for _value, label in ChargeForm().fields["article"].choices]
    position = {label.split(" ")[1]: i for i, label in enumerate(labels) if label.startswith("Art. 129-")}
    assert position["129-Ñ"] < position["129-O"]


def test_a_stored_spanish_summary_shows_in_english_on_english_pages():
    with translation.override("en"):
        assert display_text("Registro del caso") == "Case recorded"
        assert display_text("Imputación: art. 153-A") == "Charge: art. 153-A"


def test_a_stored_text_that_is_no_message_of_sistra_is_shown_as_stored():
    with translation.override("en"):
        assert (
            display_text("Audiencia de control en Puerto Maldonado")
            == "Audiencia de control en Puerto Maldonado"
        )
        assert display_text("") == ""


def test_spanish_pages_show_the_stored_text_as_it_is():
    with translation.override("es"):
        assert display_text("Imputación: art. 153-A") == "Imputación: art. 153-A"


@pytest.mark.django_db
def test_the_phone_help_says_a_keyed_hash_is_kept_not_that_the_number_is_encrypted():
    with translation.override("es"):
        help_text = str(ContactForm().fields["caller_phone"].help_text)
    assert "cifrado" not in help_text
    assert "hash con clave" in help_text
