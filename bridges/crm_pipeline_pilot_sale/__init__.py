from . import models
from . import report
from .hooks import uninstall_hook
