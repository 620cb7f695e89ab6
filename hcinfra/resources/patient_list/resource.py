"""The PatientList resource: what a Pulumi program declares a ward's Patients list with."""

from __future__ import annotations

from typing import Any

import pulumi

from hcinfra.resources.kind_resource import KindResource
from hcinfra.resources.patient_list.inputs import ColumnArgs
from hcinfra.resources.patient_list.provider import PatientListProvider

OUTPUTS = (
    "list_id",
    "site_id",
    "web_url",
    "column_names",
    "drifted_columns",
    "unmanaged_columns",
    "retained",
)


class PatientList(KindResource):
    """A Patients list on a ward team's SharePoint site, its columns declared by hcinfra."""

    outputs = OUTPUTS

    list_id: pulumi.Output[str]
    site_id: pulumi.Output[str]
    web_url: pulumi.Output[str]
    column_names: pulumi.Output[list[str]]
    drifted_columns: pulumi.Output[list[str]]
    unmanaged_columns: pulumi.Output[list[str]]
    retained: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        group_id: pulumi.Input[str],
        display_name: pulumi.Input[str] = "Patients",
        description: pulumi.Input[str] | None = None,
        columns: pulumi.Input[list[ColumnArgs]] | None = None,
        allow_data_deletion: bool = False,
        timeout_seconds: float = 300,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the Patients list of the team whose group is `group_id`, with extra columns."""
        props: dict[str, Any] = {
            "group_id": group_id,
            "display_name": display_name,
            "description": description,
            "columns": columns or [],
            "allow_data_deletion": allow_data_deletion,
            "timeout_seconds": timeout_seconds,
        }
        super().__init__(PatientListProvider(), resource_name, props, opts)
