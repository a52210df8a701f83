"""Passwordless sign-in for the web pages: one-time emailed links and revocable browser sessions.

The same links and sessions serve every audience: partners in the portal, staff in the console (issue 14).
"""
