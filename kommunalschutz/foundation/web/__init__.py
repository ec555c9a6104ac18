"""The web layer every wing's views and API share: who is asking, forms that call a service, API answers.

It sits above core, the registry and accounts (it knows the User model) and below the wings.
"""
