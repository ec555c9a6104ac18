# TEMPORARY scaffolding so the project boots; replaced by the real views.
from django.http import HttpResponse

def municipality_list(request, *args, **kwargs):
    return HttpResponse('todo')


def municipality_detail(request, *args, **kwargs):
    return HttpResponse('todo')


def district_list(request, *args, **kwargs):
    return HttpResponse('todo')


def district_detail(request, *args, **kwargs):
    return HttpResponse('todo')


def overview_map(request, *args, **kwargs):
    return HttpResponse('todo')


def police_directorate_list(request, *args, **kwargs):
    return HttpResponse('todo')


def import_start(request, *args, **kwargs):
    return HttpResponse('todo')


