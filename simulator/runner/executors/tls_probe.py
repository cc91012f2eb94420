"""How a ``tls_probe`` step runs: drop the connection, probe the CSMS's TLS endpoint
(simulator.tls_probe) and record each TCD check of TC_086 / TC_087 (catalog §11.0 b)."""

from __future__ import annotations

from reports.results import Verdict
from simulator.cases.steps import TlsProbeStep
from simulator.channel import USUAL, TransportError
from simulator.runner.context import CaseContext, StepRun
from simulator.runner.executors.base import executes
from simulator.runner.outcome import Outcome
from simulator.tls_probe import TlsEndpoint, probe


def tls_endpoint(context: CaseContext) -> tuple[TlsEndpoint | None, str]:
    """Where the charge point meets the CSMS over TLS in the profile it runs (its
    SecurityProfile), trusting what it trusts and, in profile 3, presenting the client
    certificate it connects with; (None, why) when there is no such endpoint."""
    settings = context.settings
    how = context.as_charge_point(USUAL)
    profile = settings.profile_of(how)
    try:
        url = settings.url_for(profile)
        client = settings.presented_certificate(how)
    except TransportError as exc:
        return None, str(exc)
    timeout = context.config.limits.response_timeout
    endpoint = TlsEndpoint.of(url, settings.trusted_ca(), client, timeout=timeout)
    if endpoint is None:
        return None, f"security profile {profile} runs over wss://, but the CSMS URL is {url}"
    return endpoint, ""


@executes(TlsProbeStep)
async def execute_tls_probe(step: TlsProbeStep, run: StepRun) -> Outcome:
    context, outcome = run.context, run.outcome
    if context.link is not None:  # TC_086/TC_087 state: the tool first closes the connection
        await context.link.close()
        context.link = None
        outcome.note("the charge point closed its connection")
    endpoint, why = tls_endpoint(context)
    if endpoint is None:
        outcome.reason(Verdict.ERROR, "tls-config", f"set-up: {why}")
        return outcome
    client = "with" if endpoint.client_certificate is not None else "without"
    outcome.note(
        f"probed {endpoint.host}:{endpoint.port} {client} a client certificate, trusting "
        f"{endpoint.ca_file or 'the system CAs'}"
    )
    report = await probe(endpoint, server_certificate=step.server_certificate)
    for check in report.checks:
        outcome.check(check.rule, check.passed, check.expected, check.observed, check.message)
    for stop in report.stops:
        outcome.reason(stop.verdict, stop.rule, stop.message)
    outcome.notes.extend(report.notes)
    return outcome
