# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Access of "CRM only" users (OCA's crm_security_group).

That add-on gives the CRM to users of its own groups, who are not in the
sales groups (``sales_team.group_sale_*``) this add-on's access rights,
record rules and menus name. Without it, such a user is refused the
add-on's models on the opportunity form (stage history, exit criteria...).

When crm_security_group is installed (before or after this add-on), each of
its groups gets what the matching sales group gets from this add-on:

- own documents   ``group_crm_own_leads``  <- ``group_sale_salesman``
- all documents   ``group_crm_all_leads``  <- ``group_sale_salesman_all_leads``
- administrator   ``group_crm_manager``    <- ``group_sale_manager``

(its "team documents" group implies "own documents": within this add-on such
a user sees their own documents, never more than with crm.lead). Access
rights are copied (same permissions, kept in step at every upgrade, their
external identifiers ``<original>__<CRM group>`` belong to this add-on, so
that its uninstallation removes them), the CRM group is added to the record rules
and menus. Nothing is created for a group of crm_security_group without its
sales counterpart, and a sales user keeps exactly their access. When a CRM
group is deleted (crm_security_group uninstalled), its copies go first:
access rights and rules refuse the deletion of a group they name."""

from odoo import api, models

MODULE = "crm_pipeline_pilot"
CRM_ONLY_GROUPS = {
    "sales_team.group_sale_salesman": "crm_security_group.group_crm_own_leads",
    "sales_team.group_sale_salesman_all_leads": "crm_security_group.group_crm_all_leads",
    "sales_team.group_sale_manager": "crm_security_group.group_crm_manager",
}


class IrModelData(models.Model):
    _inherit = "ir.model.data"

    def _process_end(self, modules):
        # The end of every installation or upgrade: this add-on's or
        # crm_security_group's data is in place.
        result = super()._process_end(modules)
        self.env["res.groups"]._pilot_sync_crm_only_access()
        return result


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.model
    def _pilot_crm_only_pairs(self):
        """[(sales group, CRM only group, suffix of the copies' identifiers)]
        of the installed groups."""
        pairs = []
        for sales_xmlid, crm_xmlid in CRM_ONLY_GROUPS.items():
            sales = self.env.ref(sales_xmlid, raise_if_not_found=False)
            crm = self.env.ref(crm_xmlid, raise_if_not_found=False)
            if sales and crm:
                pairs.append((sales, crm, "__" + crm_xmlid.split(".")[1]))
        return pairs

    @api.model
    def _pilot_own_records(self, model):
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search([("module", "=", MODULE), ("model", "=", model)])
        )
        return data, self.env[model].sudo().browse(data.mapped("res_id")).exists()

    @api.model
    def _pilot_sync_crm_only_access(self):
        """Give each CRM only group what its sales group gets from this add-on
        (idempotent; nothing to do without crm_security_group)."""
        pairs = self._pilot_crm_only_pairs()
        if not pairs:
            return
        Data = self.env["ir.model.data"].sudo()
        data, accesses = self._pilot_own_records("ir.model.access")
        names = {d.res_id: d.name for d in data}
        twins = {d.name: d for d in data if "__" in d.name}
        fields = ["perm_read", "perm_write", "perm_create", "perm_unlink"]
        for sales, crm, suffix in pairs:
            for access in accesses.filtered(lambda a, g=sales: a.group_id == g):
                name = names[access.id] + suffix
                values = {field: access[field] for field in fields}
                twin = twins.get(name)
                twin_access = (
                    twin and self.env["ir.model.access"].sudo().browse(twin.res_id).exists()
                )
                if twin_access:
                    if any(twin_access[field] != access[field] for field in fields):
                        twin_access.write(values)
                    continue
                if twin:
                    twin.unlink()  # its access right went with a former group
                twin_access = access.copy(
                    dict(values, name=f"{access.name} (CRM only)", group_id=crm.id)
                )
                Data.create(
                    {
                        "module": MODULE,
                        "name": name,
                        "model": "ir.model.access",
                        "res_id": twin_access.id,
                        "noupdate": True,
                    }
                )
            for model, field in (("ir.rule", "groups"), ("ir.ui.menu", "groups_id")):
                records = self._pilot_own_records(model)[1].filtered(
                    lambda r, f=field, s=sales, c=crm: s in r[f] and c not in r[f]
                )
                if records:
                    records.write({field: [(4, crm.id)]})

    def unlink(self):
        # Access rights and record rules refuse the deletion of a group they
        # name: the copies made for a CRM only group go first.
        crm_groups = self & self.browse(
            [crm.id for _sales, crm, _suffix in self._pilot_crm_only_pairs()]
        )
        if crm_groups:
            _data, accesses = self._pilot_own_records("ir.model.access")
            accesses.filtered(lambda a: a.group_id & crm_groups).unlink()
            for model, field in (("ir.rule", "groups"), ("ir.ui.menu", "groups_id")):
                records = self._pilot_own_records(model)[1].filtered(
                    lambda r, f=field: r[f] & crm_groups
                )
                records.write({field: [(3, group.id) for group in crm_groups]})
        return super().unlink()
