"""The service catalogue, loaded by the data migration 0002 (and again by transactional tests, whose flush
empties every table). Codes are stable: other records and the API refer to them."""

# code, name_es, name_en, description_es, HTCDS spl_Type, is_travel, is_international, needs_family
SERVICE_TYPES = [
    ("health", "Atención de salud", "Health care",
     "Atención médica, obstétrica y odontológica; tamizaje y tratamiento.", "Health", False, False, False),
    ("mental_health", "Salud mental y apoyo psicosocial", "Mental health and psychosocial support",
     "Atención psicológica individual o grupal, contención en crisis.", "Health", False, False, False),
    ("shelter", "Albergue o acogida temporal", "Shelter",
     "Hogar de refugio temporal, Centro de Acogida Residencial o alojamiento seguro.", "SocialCare",
     False, False, False),
    ("legal_aid", "Asesoría y defensa legal", "Legal aid",
     "Orientación jurídica, defensa pública de víctimas, trámites de reparación civil.", "Legal",
     False, False, False),
    ("legal_accompaniment", "Acompañamiento en el proceso penal", "Accompaniment in the criminal proceedings",
     "Acompañamiento a declaraciones, cámara Gesell, audiencias y juicio.", "Legal", False, False, False),
    ("education", "Educación", "Education",
     "Reinserción escolar, nivelación, educación básica alternativa.", "Education", False, False, False),
    ("vocational_training", "Capacitación técnica y laboral", "Vocational training",
     "Formación técnico-productiva e inserción laboral.", "Livelihood", False, False, False),
    ("economic_support", "Apoyo económico", "Economic support",
     "Subsidios, capital semilla, canasta básica o emprendimiento.", "Financial", False, False, False),
    ("documentation", "Documentación", "Documentation",
     "DNI, partida de nacimiento, pasaporte o regularización migratoria.", "Legal", False, False, False),
    ("family_tracing", "Búsqueda y reunificación familiar", "Family tracing and reunification",
     "Ubicación de la familia, evaluación del entorno y reunificación segura.", "SocialCare",
     False, False, True),
    ("return_domestic", "Retorno dentro del Perú", "Return travel within Peru",
     "Traslado seguro a la comunidad de origen: pasajes, acompañamiento.", "SocialCare", True, False, True),
    ("return_international", "Retorno internacional", "International return travel",
     "Retorno voluntario a otro país: visa o salvoconducto, pasajes, recepción.", "SocialCare",
     True, True, True),
    ("reintegration", "Reintegración", "Reintegration",
     "Acompañamiento a la reintegración en la familia y la comunidad de origen.", "SocialCare",
     False, False, True),
    ("interpretation", "Interpretación", "Interpretation",
     "Intérprete de lengua originaria, de señas o extranjera.", "SocialCare", False, False, False),
]


def load_service_types(apps) -> None:
    ServiceType = apps.get_model("assistance", "ServiceType")
    for order, (code, name_es, name_en, description, support, travel, international, family) in enumerate(
            SERVICE_TYPES, start=1):
        ServiceType.objects.update_or_create(code=code, defaults={
            "name_es": name_es, "name_en": name_en, "description_es": description,
            "htcds_support_type": support, "is_travel": travel, "is_international": international,
            "needs_family": family, "sort_order": order * 10, "is_active": True,
        })
