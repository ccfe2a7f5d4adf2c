"""The form renderer: Django's, except that the templates every form uses many times are written by Python:
the drop-down list (one template include per option: a case page carries two lists of 250 countries; through
the templates each option cost ~0.1 ms, a fifth of the page), and the field group, its label, an empty error
list, a text input and a text area (through the templates, a list page's filter form of nine fields cost
~5 ms more). The output is byte for byte what Django's templates write (sistra/core/tests/test_renderers.py
compares them over the project's forms); any other template, or a field with its own, goes to Django.
"""

import html

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
FIELD = "django/forms/field.html"
LABEL = "django/forms/label.html"
ERRORS = frozenset({"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"})
TEXTAREA = "django/forms/widgets/textarea.html"
# the widgets whose template is only {% include "django/forms/widgets/input.html" %}
INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
                 "search", "tel", "color", "checkbox")
)


def conditional_escape(value) -> str:
    """django.utils.html.conditional_escape without its lazy-argument wrapper (keep_lazy), which was a third of
    the time of a drop-down list of 25 options (~70 calls a list): safe text as it is, anything else through
    html.escape, as Django's escape does."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: False left out, True as a bare name, anything else name="value"
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips the template's last newline
    return "".join(parts)


def render_input(widget: dict) -> str:
    value = widget["value"]
    shown = f' value="{conditional_escape(str(value))}"' if value is not None else ""
    return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
            f'{shown}{_attrs(widget["attrs"])}>')


def render_textarea(widget: dict) -> str:
    value = widget["value"]
    return (f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f'{conditional_escape(value) if value else ""}</textarea>')


def render_label(context: dict) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


def render_field(field) -> str:
    """django/forms/field.html, its blank lines included (the renderer strips only the ends)."""
    parts = []
    if field.use_fieldset:
        described = field.aria_describedby
        described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
        legend = conditional_escape(field.legend_tag()) if field.label else ""
        parts.append(f"\n  <fieldset{described}>\n  {legend}\n")
    else:
        label = conditional_escape(field.label_tag()) if field.label else ""
        parts.append(f"\n  {label}\n")
    parts.append("\n")
    if field.help_text:
        auto_id = field.auto_id
        shown_id = f' id="{conditional_escape(auto_id)}_helptext"' if auto_id else ""
        parts.append(f'<div class="helptext"{shown_id}>{field.help_text}</div>')
    parts.append(f"\n{conditional_escape(field.errors)}\n{conditional_escape(field)}")
    if field.use_fieldset:
        parts.append("</fieldset>")
    return "".join(parts).strip()


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None:
            if template_name == SELECT and all(
                o["template_name"] == OPTION for _g, options, _i in widget["optgroups"] for o in options
            ):
                return mark_safe(render_select(widget))
            if template_name in INPUTS:
                return mark_safe(render_input(widget))
            if template_name == TEXTAREA:
                return mark_safe(render_textarea(widget))
        elif template_name == FIELD and "field" in context and len(context) == 1:
            return mark_safe(render_field(context["field"]))
        elif template_name == LABEL:
            return mark_safe(render_label(context))
        elif template_name in ERRORS and not context.get("errors"):
            return mark_safe("")
        return super().render(template_name, context, request)
