"""Entry point of the hcinfra Pulumi project (Pulumi.yaml: main: stacks/)."""

from hcinfra.program import main

main()
