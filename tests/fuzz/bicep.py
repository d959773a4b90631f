"""Bicep files: truncated, garbage, bytes that are not UTF-8, modules that include
themselves or leave the tree, loops past every bound, expressions nested without end,
.bicepparam files without `using` — an error with file and line, a coverage note or an
unknown; never a crash or a hang."""
from __future__ import annotations

from . import mutate as m
from .cases import EITHER, NONE, ONE, Case, Expect, files, rng_for

NODE = "resource:bicep:{p}/main.bicep#"
GOOD = """param prefix string = 'fuzz'
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${prefix}'
  properties: {
    minimumTlsVersion: 'TLS1_2'
  }
}
resource workspace 'Microsoft.MachineLearningServices/workspaces@2024-04-01' = {
  name: 'mlw-${prefix}'
  properties: {
    storageAccount: storage.id
    publicNetworkAccess: 'Disabled'
  }
}
"""


def _case(name: str, text: str | bytes, expect: Expect, extra: dict | None = None,
          target: str = "main.bicep") -> Case:
    return Case(f"bicep/{name}", files({"main.bicep": text, **(extra or {})}), expect, target=target)


def cases(seed: int) -> list[Case]:
    rng = rng_for(seed, "bicep")
    out = [_case(f"truncated-{i}", GOOD.encode()[:at], Expect(EITHER, line=True))
           for i, at in enumerate(m.truncation_points(GOOD.encode(), rng, 3))]
    out += [
        _case("good", GOOD, Expect(NONE, nodes=(NODE + "storage", NODE + "workspace"))),
        _case("garbage", "}}}} {{{{ ]]] not bicep at all\n", Expect(ONE, line=1)),
        _case("invalid-utf8", GOOD.encode().replace(b"fuzz", m.INVALID_UTF8, 1), Expect(ONE)),
        _case("utf8-bom", m.utf8_bom(GOOD), Expect(NONE, nodes=(NODE + "storage",))),
        _case("self-module", GOOD + "module again './main.bicep' = {\n  name: 'again'\n}\n",
              Expect(ONE, line=15, nodes=(NODE + "storage",))),
        _case("module-outside", GOOD + "module up '../../../../etc/passwd.bicep' = {\n  name: 'up'\n}\n",
              Expect(NONE, nodes=(NODE + "storage",))),
        _case("loop-huge", GOOD + "resource many 'Microsoft.KeyVault/vaults@2023-07-01' = "
                                  "[for i in range(0, 100000000): {\n  name: 'kv${i}'\n}]\n",
              Expect(EITHER, line=True, nodes=(NODE + "storage",))),
        _case("parens-deep", GOOD + "var deep = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
              Expect(EITHER, nodes=(NODE + "storage",))),
        _case("spread-and-extension", "extension microsoftGraph\n" + GOOD.replace(
            "minimumTlsVersion", "...base\n    minimumTlsVersion"), Expect(NONE, nodes=(NODE + "storage",))),
        _case("bicepparam-without-using", GOOD, Expect(ONE, line=1), {"main.bicepparam": "param prefix = 'x'\n"},
              target="main.bicepparam"),
        _case("string-doubling", GOOD + "".join(f"var v{i + 1} = '${{v{i}}}${{v{i}}}'\n" for i in range(60))
              + "var v0 = 'xxxxxxxxxx'\n", Expect(NONE, nodes=(NODE + "storage",))),
        _case("cycle-vars", GOOD + "var a = b\nvar b = a\n", Expect(NONE, nodes=(NODE + "storage",))),
    ]
    return out
