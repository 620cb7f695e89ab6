"""`hcinfra sites`: one Pulumi stack per site, driven through the Automation API."""
