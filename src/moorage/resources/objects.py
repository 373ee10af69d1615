"""An API object as JSON decodes it: the shape every layer passes around, checked or not."""

from typing import Any

Object = dict[str, Any]
