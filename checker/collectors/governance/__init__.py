"""Repository governance (issue 10, "Repository governance"): what the platforms export of
a repository's merge rules and deployment environments (exports.py), what the repository
itself shows (repository.py: CODEOWNERS, notebook merge tooling), and the linker that joins
the exports to repo nodes by remote (link.py)."""
from .exports import GovernanceExportsParser
from .link import link_repository_governance
from .repository import RepositoryGovernanceParser

__all__ = ["GovernanceExportsParser", "RepositoryGovernanceParser", "link_repository_governance"]
