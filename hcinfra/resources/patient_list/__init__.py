"""PatientList: a Patients list on a ward team's SharePoint site, for rounds.

Microsoft Lists' Patients template cannot be applied through Graph (list-create names a
base template only), so the list is a genericList with the Patients columns hcinfra
declares, plus the site's own. The team's site comes from `GET /groups/{id}/sites/root`
(waiting out the 404s of a site still being provisioned); the list is made with its
columns in one request. A retried create meets nameAlreadyExists (409) and adopts the
list by its name. Columns are added, or changed where their type stays; none is ever
deleted. Destroy keeps the list and its items unless `allow_data_deletion`.
`hcinfra adopt` takes the list of the declared name on the group's site (not a library
of that name), writing nothing.

The kind's modules: `inputs`, `columns` (the Patients columns and their Graph shape),
`calls`, `provider`, `permissions` and `resource` (PatientList).
"""

from __future__ import annotations

from hcinfra.resources.patient_list.inputs import PatientListInputs
from hcinfra.resources.patient_list.provider import PatientListProvider
from hcinfra.resources.patient_list.resource import PatientList

# The kind's Resource, inputs and provider; its internals are imported from their modules.
__all__ = ["PatientList", "PatientListInputs", "PatientListProvider"]
