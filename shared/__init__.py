"""The referral program's domain package, shared by every Lambda function.

Keep this file empty of imports: the redirect function imports only the light modules it needs
(`shared.keys`, ...) and must not pay for pydantic or stripe at cold start.
"""
