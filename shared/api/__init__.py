"""HTTP routes of the admin and partner APIs, as Powertools routers the functions include.

Routes parse input, call one service function, and shape the response; rules live in `shared.services`.
"""
