# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The public methods of the add-on, called over RPC with arguments they do
not take (an argument too many, an unknown keyword): refused with a
translated message naming the method, never with a traceback. Every public
method the add-on introduces on any model is guarded when the registry is
set up, so that a method added later is covered the day it lands."""

import functools
import inspect

from odoo import models
from odoo.exceptions import UserError

ADDON_PACKAGE = "odoo.addons.crm_pipeline_pilot"


def _guard_signature(method):
    """``method`` refusing the arguments its signature does not take."""
    signature = inspect.signature(method)

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError:
            raise UserError(
                self.env._(
                    "%(method)s of %(model)s does not take these arguments.",
                    method=method.__name__,
                    model=self._description,
                )
            ) from None
        return method(self, *args, **kwargs)

    guarded._pilot_guarded = True
    return guarded


def addon_public_methods(cls):
    """Names of the public methods that the add-on introduces on the model
    class ``cls`` (defined by the add-on only, not overrides of Odoo's)."""
    # The classes of the model's definitions (the class of the registry,
    # first, holds the guarded methods)
    classes = cls.__mro__[1:]
    names = []
    seen = set()
    for klass in classes:
        for name, attr in vars(klass).items():
            if name in seen or name.startswith("_") or not inspect.isfunction(attr):
                continue
            seen.add(name)
            owners = [owner for owner in classes if name in vars(owner)]
            if all(owner.__module__.startswith(ADDON_PACKAGE) for owner in owners):
                names.append(name)
    return sorted(names)


class Base(models.AbstractModel):
    _inherit = "base"

    def _setup_complete(self):
        result = super()._setup_complete()
        cls = self.env.registry[self._name]
        for name in addon_public_methods(cls):
            method = getattr(cls, name)
            if not getattr(method, "_pilot_guarded", False):
                setattr(cls, name, _guard_signature(method))
        return result
