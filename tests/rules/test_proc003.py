"""PROC003 broken-chain: a processor's `processor_for` chain does not end at a controller."""

from .util import analyse, base, disable, found, severities

CHAIN = """\
organizations:
  - {id: lms_co, role: subprocessor, processor_for: %s, country: FR}
"""


def test_processor_without_processor_for(tmp_path):
    a = analyse(tmp_path, model=base(("    processor_for: office\n", "")))
    assert found(a, "PROC003") == [("PROC003", "organization:trainer", ())]
    assert severities(a, "PROC003") == {("organization:trainer", ()): "medium"}


def test_near_miss_roles_on_the_way_do_not_matter(tmp_path):
    # SPEC: the chain must end at a controller; a processor for a processor, or a subprocessor
    # working for the controller directly, still ends there
    extra = CHAIN % "office" + "  - {id: agency, role: processor, processor_for: trainer, country: FR}\n"
    a = analyse(tmp_path, extra)
    assert found(a, "PROC003") == []


def test_chain_ending_at_a_recipient(tmp_path):
    extra = CHAIN % "press" + "  - {id: press, role: recipient, country: FR}\n"
    a = analyse(tmp_path, extra)
    assert found(a, "PROC003") == [("PROC003", "organization:lms_co", ())]
    message = next(f.message for f in a.findings if f.rule == "PROC003")
    assert message.startswith("the chain lms_co -> press ends at press, a recipient, not a controller")


def test_loop(tmp_path):
    extra = """\
        organizations:
          - {id: sub_a, role: subprocessor, processor_for: sub_b, country: FR}
          - {id: sub_b, role: subprocessor, processor_for: sub_a, country: FR}
        """
    a = analyse(tmp_path, extra)
    assert found(a, "PROC003") == [("PROC003", "organization:sub_a", ()), ("PROC003", "organization:sub_b", ())]


def test_near_miss_whole_chain(tmp_path):
    # controller <- processor <- subprocessor <- sub-subprocessor
    extra = CHAIN % "trainer" + "  - {id: lms_host, role: subprocessor, processor_for: lms_co, country: FR}\n"
    a = analyse(tmp_path, extra)
    assert found(a, "PROC003") == []


def test_near_miss_processor_for_an_authority(tmp_path):
    extra = """\
        organizations:
          - {id: ministry, role: authority, country: FR}
          - {id: host, role: processor, processor_for: ministry, country: FR}
        """
    a = analyse(tmp_path, extra)
    assert found(a, "PROC003") == []


def test_disabled(tmp_path):
    a = analyse(tmp_path, model=base(("    processor_for: office\n", "")), rules=disable("PROC003"))
    assert found(a, "PROC003") == []
