"""Cloud resources in one vocabulary (DESIGN.md, "Cloud resources, one vocabulary").

Every infrastructure source — Terraform HCL and plan JSON, ARM, Bicep, Azure ML resource
specs, exports of what is deployed (az, Resource Graph, kubectl) — is read by its own
parser into `RawResource`s: the provider's type and attributes, values resolved where they
can be, `Unknown` where they cannot, with the references between resources. The collectors'
`emit` (checker/collectors/resources.py) turns
a RawResource into a graph node through the vocabulary (vocabulary.py): a normalised
`type`, normalised facts (`public_network_access`, …) with the attribute and expression
each came from, a documented provider default where the attribute is absent (the evidence
says so), and `attrs.unknown[fact]` where the value is unknown — a state rules report as
*cannot evaluate*. `links.link_resources` turns references into edges once every source
is collected.
"""
from .model import RawResource, Reference, Unknown

__all__ = ["RawResource", "Reference", "Unknown"]
