"""The wire-copies archive of the stories tests and the stories it holds."""

from tests.conftest import ROOT

ARCHIVE = ROOT / "tests" / "fixtures" / "stories" / "wire-copies.jsonl"
BERTH = {"mw-saltmere-berth", "ct-saltmere-berth", "vh-saltmere-berth"}
TRAM = {"kp-kelby-tram", "mw-kelby-tram"}
RU_BERTH = {"bl-saltmere-prichal", "vp-saltmere-prichal"}
ALONE = {"mw-saltmere-strike", "kp-kelby-marathon", "bl-saltmere-zabastovka"}
