# TEMPORARY scaffolding so the project boots; replaced by the real views.
from django.http import HttpResponse

def login_view(request, *args, **kwargs):
    return HttpResponse('todo')


def logout_view(request, *args, **kwargs):
    return HttpResponse('todo')


def otp_verify(request, *args, **kwargs):
    return HttpResponse('todo')


def otp_setup(request, *args, **kwargs):
    return HttpResponse('todo')


def otp_qr(request, *args, **kwargs):
    return HttpResponse('todo')


def password_reset(request, *args, **kwargs):
    return HttpResponse('todo')


def password_reset_done(request, *args, **kwargs):
    return HttpResponse('todo')


def password_reset_confirm(request, *args, **kwargs):
    return HttpResponse('todo')


def password_reset_complete(request, *args, **kwargs):
    return HttpResponse('todo')


def profile(request, *args, **kwargs):
    return HttpResponse('todo')


def token_list(request, *args, **kwargs):
    return HttpResponse('todo')


def token_revoke(request, *args, **kwargs):
    return HttpResponse('todo')


def organisation_list(request, *args, **kwargs):
    return HttpResponse('todo')


def organisation_detail(request, *args, **kwargs):
    return HttpResponse('todo')


