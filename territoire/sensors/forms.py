"""Forms of the sensor hub's pages. They validate and present; writes are the services'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms

from territoire.core.forms import AccessibleFormMixin
from territoire.core.models import Commune
from territoire.sensors.codecs import codec_choices
from territoire.sensors.models import DeviceStatus, Source
from territoire.sensors.services import DEV_EUI

MAX_IMPORT_BYTES = 2 * 1024 * 1024
COORDINATE_STEP = Decimal("0.00001")  # what the device table keeps (5 decimal places)
TERRITORY = "territoire"  # the integration form's value for "the whole territory"


def _commune_field(label: str = "Commune", **kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Commune.objects.none(),
        to_field_name="insee_code",
        **kwargs,
    )


def _commune_filter(form: forms.Form, communes) -> None:
    """A commune filter is offered to people who see several communes only."""
    if communes.count() > 1:
        cast(forms.ModelChoiceField, form.fields["commune"]).queryset = communes
    else:
        del form.fields["commune"]


class CommuneChoiceMixin:
    """A ``commune`` field offered only when the person acts for several communes; with one,
    that commune is implied."""

    def setup_commune(self, communes) -> None:
        self.communes = list(communes)
        fields = cast(dict[str, forms.Field], self.fields)  # type: ignore[attr-defined]
        if len(self.communes) > 1:
            cast(forms.ModelChoiceField, fields["commune"]).queryset = communes
        else:
            del fields["commune"]

    def chosen_commune(self) -> Commune:
        data = self.cleaned_data  # type: ignore[attr-defined]
        return data["commune"] if "commune" in data else self.communes[0]


class DeviceFilterForm(AccessibleFormMixin, forms.Form):
    q = forms.CharField(
        label="Recherche",
        required=False,
        max_length=100,
        help_text="Nom, DevEUI ou lieu",
    )
    commune = _commune_field(required=False, empty_label="Toutes")
    model = forms.ChoiceField(label="Modèle", required=False)
    status = forms.ChoiceField(
        label="État",
        required=False,
        choices=[("", "Tous"), *DeviceStatus.choices],
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        _commune_filter(self, communes)
        cast(forms.ChoiceField, self.fields["model"]).choices = [("", "Tous"), *codec_choices()]


class DeviceForm(CommuneChoiceMixin, AccessibleFormMixin, forms.Form):
    commune = _commune_field(empty_label="Choisissez une commune")
    dev_eui = forms.CharField(
        label="DevEUI",
        max_length=23,
        help_text="16 caractères hexadécimaux (0-9, A-F), par exemple 24E124136B123456 ; "
        "les séparateurs « : » et « - » sont acceptés.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label="Nom",
        max_length=100,
        help_text="Par exemple : « Compteur d'eau — gymnase Jean-Zay »",
    )
    model = forms.ChoiceField(label="Modèle")
    latitude = forms.DecimalField(
        label="Latitude",
        required=False,
        localize=True,
        min_value=-90,
        max_value=90,
        help_text="En degrés décimaux (WGS 84), par exemple 50,29107",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label="Longitude",
        required=False,
        localize=True,
        min_value=-180,
        max_value=180,
        help_text="En degrés décimaux (WGS 84), par exemple 2,78055",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    place = forms.CharField(
        label="Lieu ou bâtiment",
        max_length=150,
        required=False,
        help_text="Par exemple : « Gymnase Jean-Zay, local technique »",
    )
    installed_on = forms.DateField(
        label="Installé le",
        required=False,
        help_text="Format attendu : JJ/MM/AAAA",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_commune(communes)
        cast(forms.ChoiceField, self.fields["model"]).choices = [
            ("", "Choisissez un modèle"),
            *codec_choices(),
        ]

    def clean_dev_eui(self) -> str:
        # Checked here too, so that every error of the form is shown at the first submission.
        value = self.cleaned_data["dev_eui"].strip().lower().replace(":", "").replace("-", "")
        if not DEV_EUI.match(value):
            raise forms.ValidationError("Le DevEUI compte 16 caractères hexadécimaux (0-9, A-F).")
        return value

    def _coordinate(self, name: str) -> Decimal | None:
        # GPS tools give more decimals than the 1 m the table keeps: round rather than refuse.
        value = self.cleaned_data.get(name)
        return None if value is None else value.quantize(COORDINATE_STEP)

    def clean_latitude(self) -> Decimal | None:
        return self._coordinate("latitude")

    def clean_longitude(self) -> Decimal | None:
        return self._coordinate("longitude")


class ImportForm(CommuneChoiceMixin, AccessibleFormMixin, forms.Form):
    commune = _commune_field(empty_label="Choisissez une commune")
    file = forms.FileField(
        label="Fichier CSV",
        help_text="Un fichier .csv de 2 Mo au plus, en UTF-8, séparé par « ; » ou « , », "
        "avec une ligne d'en-tête.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_commune(communes)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Choisissez un fichier au format CSV (extension .csv).")
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                "Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers."
            )
        if upload.size == 0:
            raise forms.ValidationError("Le fichier est vide.")
        return upload


class QuarantineFilterForm(AccessibleFormMixin, forms.Form):
    commune = _commune_field(required=False, empty_label="Toutes")

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        _commune_filter(self, communes)


class IntegrationForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(
        label="Nom",
        max_length=100,
        help_text="Par exemple : « ChirpStack de la CUA »",
    )
    source = forms.ChoiceField(label="Serveur de réseau", choices=Source.choices)
    scope = forms.ChoiceField(
        label="Capteurs concernés",
        help_text="Une intégration de commune ne reçoit que les capteurs de cette commune.",
    )

    def __init__(self, *args, communes, territory: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.communes = {commune.insee_code: commune for commune in communes}
        choices = [(TERRITORY, "Tout le territoire de la CUA")] if territory else []
        choices += [(code, commune.name) for code, commune in self.communes.items()]
        cast(forms.ChoiceField, self.fields["scope"]).choices = choices

    def chosen_commune(self) -> Commune | None:
        return self.communes.get(self.cleaned_data["scope"])
