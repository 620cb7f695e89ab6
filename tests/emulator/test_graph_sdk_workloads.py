"""Teams, SKUs and $batch driven by the real msgraph-sdk: its parsers must accept our answers."""

from __future__ import annotations

import asyncio
import time

from msgraph.generated.models.aad_user_conversation_member import AadUserConversationMember
from msgraph.generated.models.channel import Channel
from msgraph.generated.models.team import Team
from msgraph.generated.models.teams_async_operation_status import TeamsAsyncOperationStatus
from msgraph.generated.teams.item.archive.archive_post_request_body import ArchivePostRequestBody
from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem

from tests.emulator.graphsdk import graph, run
from tests.emulator.harness import Emulator


def test_team_from_healthcare_template_through_the_sdk(emu: Emulator):
    emu.admin("PUT", "faults", json={"teamsOperationMs": 300}).raise_for_status()

    async def scenario():
        client = graph(emu)
        owner = await client.users.by_user_id("marc.tremblay@northwindhealth.org").get()
        member = AadUserConversationMember(
            roles=["owner"],
            additional_data={
                "user@odata.bind": f"https://graph.microsoft.com/v1.0/users('{owner.id}')"
            },
        )
        team = Team(
            display_name="HSA Ward 5",
            members=[member],
            additional_data={
                "template@odata.bind": "https://graph.microsoft.com/v1.0/teamsTemplates('healthcareWard')"
            },
        )
        # 202 with an empty body: the SDK has nothing to parse and returns None.
        assert await client.teams.post(team) is None
        return owner.id

    run(scenario)
    # Find the team through the SDK's own listing and follow its operation.

    async def follow():
        client = graph(emu)
        groups = await client.groups.get()
        [group] = [g for g in groups.value if g.display_name == "HSA Ward 5"] or [None]
        if group is None:
            # The group stays invisible until the create operation completes.
            await asyncio.sleep(0.4)
            groups = await client.groups.get()
            [group] = [g for g in groups.value if g.display_name == "HSA Ward 5"]
        team = await client.teams.by_team_id(group.id).get()
        assert team.display_name == "HSA Ward 5" and team.is_archived is False
        channels = await client.teams.by_team_id(group.id).channels.get()
        assert [c.display_name for c in channels.value][:3] == [
            "General",
            "Announcements",
            "Huddles",
        ]
        made = await client.teams.by_team_id(group.id).channels.post(Channel(display_name="Nights"))
        assert made.id.startswith("19:")
        await client.teams.by_team_id(group.id).archive.post(ArchivePostRequestBody())
        assert (await client.teams.by_team_id(group.id).get()).is_archived is True

    time.sleep(0.35)
    run(follow)


def test_operation_status_parses(emu: Emulator):
    # Long enough that a loaded machine still reads it in progress first.
    emu.admin("PUT", "faults", json={"teamsOperationMs": 3000}).raise_for_status()
    from tests.emulator.test_graph_teams import owner_id, team_body

    with emu.client(headers=emu.headers("https://graph.microsoft.com/.default")) as c:
        r = c.post("/v1.0/teams", json=team_body("healthcareHospital", owner_id(emu)))
    team_id = r.headers["Content-Location"].split("'")[1]
    op_id = r.headers["Location"].split("'")[3]

    async def scenario():
        client = graph(emu)
        op = (
            await client.teams.by_team_id(team_id)
            .operations.by_teams_async_operation_id(op_id)
            .get()
        )
        assert op.status in (
            TeamsAsyncOperationStatus.NotStarted,
            TeamsAsyncOperationStatus.InProgress,
        )
        await asyncio.sleep(3.1)
        op = (
            await client.teams.by_team_id(team_id)
            .operations.by_teams_async_operation_id(op_id)
            .get()
        )
        assert op.status == TeamsAsyncOperationStatus.Succeeded
        assert op.target_resource_id == team_id

    run(scenario)


def test_subscribed_skus_through_the_sdk(emu: Emulator):
    async def scenario():
        skus = await graph(emu).subscribed_skus.get()
        by_part = {s.sku_part_number: s for s in skus.value}
        assert {"SPE_F1", "SPE_E3", "SPE_E5", "DESKLESSPACK", "M365_F1_COMM"} <= set(by_part)
        assert by_part["SPE_E5"].prepaid_units.enabled == 25
        assert any(p.service_plan_name == "TEAMS1" for p in by_part["SPE_E5"].service_plans)

    run(scenario)


def test_batch_through_the_sdk_with_depends_on(emu: Emulator):
    async def scenario():
        client = graph(emu)
        first = BatchRequestItem(
            client.users.by_user_id("nurse001@northwindhealth.org").to_get_request_information()
        )
        second = BatchRequestItem(client.subscribed_skus.to_get_request_information())
        second.set_depends_on([first])
        content = BatchRequestContent({first.id: first, second.id: second})
        response = await BatchRequestBuilder(client.request_adapter).post(content)
        statuses = {item_id: item.status for item_id, item in response.responses.items()}
        assert statuses == {first.id: 200, second.id: 200}

    run(scenario)
