"""Data access: one repository per aggregate. Only this package (and `shared.dynamo`) talks to DynamoDB."""
