"""A small ISO Schematron → XSLT 2.0 converter, and a validator that runs the result with Saxon-HE.

Enough of Schematron for the PEPPOL BIS 3 and EN 16931 rule files: ``ns``, schema-level
``let`` (global variables) and ``xsl:function``s, ``pattern`` / ``rule`` (first matching rule
per pattern wins, as the standard says) with rule-level ``let``, ``assert`` and ``report``
(``value-of`` and ``name`` inside messages). Phases are ignored: every pattern runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from saxonche import PySaxonProcessor

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
REPORT = "urn:periodyear:schematron-report"
_S = f"{{{SCH}}}"
_X = f"{{{XSL}}}"


@dataclass(frozen=True)
class Finding:
    rule_id: str
    flag: str  # fatal or warning
    location: str
    message: str


def _xsl(parent: etree._Element, instruction: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _X + instruction)
    for key, value in attributes.items():
        element.set(key, value)
    return element


def _message(target: etree._Element, source: etree._Element) -> None:
    """Copy an assert's text, turning ``value-of``/``name`` into their XSLT forms."""
    if source.text:
        _xsl(target, "text").text = source.text
    for child in source:
        if child.tag == _S + "value-of":
            _xsl(target, "value-of", select=child.get("select", "."))
        elif child.tag == _S + "name":
            _xsl(target, "value-of", select=f"name({child.get('path', '.')})")
        else:
            _xsl(target, "value-of", select="string(.)")
        if child.tail:
            _xsl(target, "text").text = child.tail


def to_xslt(schematron: etree._Element) -> etree._Element:
    """The XSLT 2.0 stylesheet that reports every failed assert and every fired report."""
    namespaces = {str(ns.get("prefix")): str(ns.get("uri")) for ns in schematron.iter(_S + "ns")}
    stylesheet = etree.Element(_X + "stylesheet", nsmap={"xsl": XSL, "svrl": REPORT, **namespaces})
    stylesheet.set("version", "2.0")
    _xsl(stylesheet, "output", method="xml", indent="no")
    patterns = [p for p in schematron.iter(_S + "pattern") if p.get("abstract") != "true"]
    # Schema- and pattern-level lets become global variables (their names are unique in these files).
    for child in [*schematron, *(c for p in patterns for c in p)]:
        if child.tag == _S + "let":
            _xsl(stylesheet, "variable", name=child.get("name", ""), select=child.get("value", ""))
        elif child.tag == _X + "function":
            stylesheet.append(etree.fromstring(etree.tostring(child)))
    root = _xsl(stylesheet, "template", match="/")
    report = etree.SubElement(root, f"{{{REPORT}}}report")
    for index in range(len(patterns)):
        _xsl(report, "apply-templates", select="/", mode=f"M{index}")
    for index, pattern in enumerate(patterns):
        mode = f"M{index}"
        rules = list(pattern.iter(_S + "rule"))
        for order, rule in enumerate(rules):
            template = _xsl(
                stylesheet, "template", match=rule.get("context", ""), priority=str(1000 - order), mode=mode
            )
            for step in rule:
                if step.tag == _S + "let":
                    _xsl(template, "variable", name=step.get("name", ""), select=step.get("value", ""))
                elif step.tag in (_S + "assert", _S + "report"):
                    test = step.get("test", "true()")
                    fires = f"not({test})" if step.tag == _S + "assert" else test
                    branch = _xsl(template, "if", test=fires)
                    failed = etree.SubElement(branch, f"{{{REPORT}}}failed")
                    for attribute_name in ("id", "flag"):
                        attribute = _xsl(failed, "attribute", name=attribute_name)
                        _xsl(attribute, "text").text = step.get(attribute_name, "")
                    location = _xsl(failed, "attribute", name="location")
                    _xsl(location, "value-of", select="path(.)")
                    _message(failed, step)
            _xsl(template, "apply-templates", select="@*|*", mode=mode)
        _xsl(stylesheet, "template", match="text()", priority="-1", mode=mode)
        fallback = _xsl(stylesheet, "template", match="@*|node()", priority="-2", mode=mode)
        _xsl(fallback, "apply-templates", select="@*|*", mode=mode)
    return stylesheet


@functools.cache
def _processor() -> PySaxonProcessor:
    return PySaxonProcessor(license=False)


class Validator:
    """Runs converted Schematron rule files over a document."""

    def __init__(self, *rule_files: Path) -> None:
        compiler = _processor().new_xslt30_processor()
        self._executables = []
        for path in rule_files:
            stylesheet = to_xslt(etree.parse(str(path)).getroot())
            self._executables.append(
                compiler.compile_stylesheet(stylesheet_text=etree.tostring(stylesheet).decode())
            )

    def findings(self, document: bytes) -> list[Finding]:
        node = _processor().parse_xml(xml_text=document.decode("utf-8"))
        found: list[Finding] = []
        for executable in self._executables:
            output = executable.transform_to_string(xdm_node=node)
            for failed in etree.fromstring(output.encode()).iter(f"{{{REPORT}}}failed"):
                found.append(
                    Finding(
                        failed.get("id", ""),
                        failed.get("flag", ""),
                        failed.get("location", ""),
                        " ".join((failed.text or "").split()),
                    )
                )
        return found
