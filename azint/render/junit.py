"""JUnit XML for ``azint check --junit``: one test case per intent, a failure with its reason.

The shape is the one CI servers read (Jenkins, GitLab, Azure Pipelines' PublishTestResults,
GitHub test reporters): ``testsuites`` > ``testsuite`` > ``testcase`` with a ``failure`` child.
"""

from __future__ import annotations

from xml.etree import ElementTree

from azint.gate.check import IntentResult
from azint.render.gate import finding_text, limit_text


def junit_xml(file: str, results: list[IntentResult]) -> str:
    failures = str(sum(not r.passed for r in results))
    suites = ElementTree.Element("testsuites", name="azint check", tests=str(len(results)),
                                 failures=failures)
    suite = ElementTree.SubElement(suites, "testsuite", name=file, tests=str(len(results)),
                                   failures=failures, errors="0", skipped="0")
    for result in results:
        intent = result.intent
        case = ElementTree.SubElement(suite, "testcase", name=intent.name, classname=file,
                                      file=file, line=str(intent.position.line or 0))
        if result.finding is not None:
            message = finding_text(result.finding) + limit_text(result)
            failure = ElementTree.SubElement(case, "failure", message=message,
                                             type=result.finding.problem.value)
            failure.text = (f"{message}\n{result.failed} of {result.probes} probes fail\n")
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
