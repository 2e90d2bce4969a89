# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Tracking values read in the reader's language.

Odoo stores the text of a tracked relation or selection (a stage, a
salesperson's team, tags, an urgency) in the language of whoever made the
change: the demo installed in English, a scheduled action run by the
superuser, a colleague working in English. A French reader then reads
"Won" in his chatter. The record (or the selection key) behind the text is
still known, so the text is rendered again when read: a stored text that is
one of the current names of that record (or labels of that key) in an
installed language is shown under the reader's name for it. A text that is
no longer one of its names (the stage renamed since) stays as it was
written: the chatter is history."""

from odoo import models


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    def _tracking_value_format_model(self, model):
        formatted = super()._tracking_value_format_model(model)
        if not formatted or not model or model not in self.env:
            return formatted
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        if len(langs) < 2:
            return formatted
        trackings = {tracking.id: tracking for tracking in self}
        Model = self.env[model]
        for info in formatted:
            tracking = trackings.get(info["id"])
            field = Model._fields.get(tracking.field_id.name) if tracking else None
            if not field or field.type not in ("many2one", "many2many", "one2many", "selection"):
                continue
            for side, new in (("oldValue", False), ("newValue", True)):
                text = info[side]["value"]
                if text and isinstance(text, str):
                    info[side]["value"] = tracking._pilot_reader_text(field, new, text, langs)
        return formatted

    def _pilot_reader_text(self, field, new, text, langs):
        """``text``, as stored for ``field``, in the reader's language when it
        is one of the current names of what it names in ``langs``."""
        self.ensure_one()
        if field.type == "selection":
            keys = {}
            for lang in langs:
                env = self.env(context=dict(self.env.context, lang=lang))
                for key, label in field._description_selection(env):
                    keys.setdefault(label, key)
            if text not in keys:
                return text
            labels = dict(field._description_selection(self.env))
            return labels.get(keys[text]) or text
        Comodel = self.env[field.comodel_name].sudo().with_context(active_test=False)
        name_field = Comodel._fields.get(Comodel._rec_name)
        if not name_field or not name_field.translate:
            return text  # the same name in every language
        if field.type == "many2one":
            records = Comodel.browse(
                self.new_value_integer if new else self.old_value_integer
            ).exists()
            parts = [text]
        else:
            parts = text.split(", ")
            records = Comodel.browse()
            for lang in langs:
                records |= Comodel.with_context(lang=lang).search(
                    [(Comodel._rec_name, "in", parts)], limit=len(parts) * 4
                )
        reader = {record.id: record.with_env(self.env).sudo().display_name for record in records}
        found = {}
        for lang in langs:
            for record in records.with_context(lang=lang):
                found.setdefault(record.display_name, set()).add(record.id)
        rendered = []
        for part in parts:
            ids = found.get(part, set())
            if len(ids) != 1:
                return text  # unknown or ambiguous: as written
            rendered.append(reader[next(iter(ids))])
        return ", ".join(rendered)
