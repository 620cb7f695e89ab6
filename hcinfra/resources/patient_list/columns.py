"""The columns of a Patients list: what hcinfra declares in place of Microsoft's template.

Microsoft Lists' ready-made Patients template cannot be named through Graph (`list-create`
takes a base template, such as genericList), and no Microsoft page lists its columns: these
are hcinfra's, from what a ward tracks on rounds. Each column is turned into a Graph
columnDefinition (one type facet: text, dateTime, choice, personOrGroup, number, boolean).

REF: https://learn.microsoft.com/en-us/graph/api/resources/columndefinition
"""

from __future__ import annotations

from typing import Any

# A column type as declared, and the columnDefinition facet Graph shows it with.
FACETS: dict[str, str] = {
    "text": "text",
    "note": "text",  # multi-line text: text with allowMultipleLines
    "dateTime": "dateTime",
    "choice": "choice",
    "personOrGroup": "personOrGroup",
    "number": "number",
    "boolean": "boolean",
}
# Names a genericList already has (Title, and SharePoint's system fields).
BUILT_IN = frozenset(
    n.lower()
    for n in (
        "Title",
        "ID",
        "ContentType",
        "Created",
        "Modified",
        "Author",
        "Editor",
        "Attachments",
        "LinkTitle",
        "LinkTitleNoMenu",
        "Edit",
        "DocIcon",
        "ItemChildCount",
        "FolderChildCount",
        "AppAuthor",
        "AppEditor",
        "ComplianceAssetId",
        "_UIVersionString",
    )
)

# The Patients columns every PatientList has (name, display name, type, required, choices).
PATIENT_COLUMNS: tuple[dict[str, Any], ...] = (
    {"name": "Patient", "display_name": "Patient", "type": "text", "required": True},
    {"name": "MRN", "display_name": "Medical record number", "type": "text"},
    {"name": "Bed", "display_name": "Bed", "type": "text"},
    {
        "name": "Status",
        "display_name": "Status",
        "type": "choice",
        "choices": ["Admitted", "Stable", "Under observation", "Critical", "Ready for discharge"],
    },
    {"name": "AttendingPhysician", "display_name": "Attending physician", "type": "personOrGroup"},
    {"name": "Diagnosis", "display_name": "Diagnosis / reason for admission", "type": "note"},
    {
        "name": "Acuity",
        "display_name": "Priority / acuity",
        "type": "choice",
        "choices": ["Low", "Medium", "High"],
    },
    {
        "name": "Isolation",
        "display_name": "Isolation precautions",
        "type": "choice",
        "choices": ["None", "Contact", "Droplet", "Airborne"],
    },
    {"name": "AdmissionDate", "display_name": "Admission date", "type": "dateTime"},
    {"name": "DischargeDate", "display_name": "Discharge date", "type": "dateTime"},
    {"name": "Notes", "display_name": "Notes", "type": "note"},
)


def definition(column: dict[str, Any]) -> dict[str, Any]:
    """A declared column (inputs' JSON shape) as a Graph columnDefinition body."""
    kind = str(column["type"])
    facet: dict[str, Any] = {}
    if kind == "note":
        facet = {"allowMultipleLines": True}
    elif kind == "choice":
        facet = {"choices": list(column.get("choices") or [])}
    body: dict[str, Any] = {
        "name": column["name"],
        "displayName": column.get("display_name") or column["name"],
        "required": bool(column.get("required")),
        FACETS[kind]: facet,
    }
    if column.get("description"):
        body["description"] = column["description"]
    return body


def declared(column: dict[str, Any]) -> dict[str, Any]:
    """A Graph columnDefinition read back, in the inputs' shape (None for another facet)."""
    kind: str | None = next(
        (k for k in ("dateTime", "choice", "personOrGroup", "number", "boolean") if k in column),
        None,
    )
    if kind is None and "text" in column:
        kind = "note" if (column.get("text") or {}).get("allowMultipleLines") else "text"
    out: dict[str, Any] = {
        "name": column.get("name"),
        "display_name": column.get("displayName"),
        "type": kind or "other",
        "required": bool(column.get("required")),
        "description": column.get("description") or None,
        "choices": list((column.get("choice") or {}).get("choices") or []) or None,
    }
    return out


def normal(column: dict[str, Any]) -> dict[str, Any]:
    """A declared column with its defaults filled in, for comparing with what is read."""
    return {
        "name": column["name"],
        "display_name": column.get("display_name") or column["name"],
        "type": column["type"],
        "required": bool(column.get("required")),
        "description": column.get("description") or None,
        "choices": list(column.get("choices") or []) or None,
    }
