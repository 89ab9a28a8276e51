"""Concerto's AWS infrastructure (CDK): one stack per commune or pool of communes."""
