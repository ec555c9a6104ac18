{{/* Names and labels. */}}
{{- define "ks.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ks.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "ks.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "ks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kommunalschutz
{{- end -}}

{{/* Selector labels of one component (app, worker, migrations, backup). Call with (dict "root" $ "component" "app"). */}}
{{- define "ks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ks.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ks.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The pod-level part every pod shares: security context, pull secrets, no service account token. */}}
{{- define "ks.podCommon" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Secret files: a list of {env, secretName, key} for the given sets. Call with (dict "root" $ "migration" bool). */}}
{{- define "ks.secretItems" -}}
{{- $items := concat .root.Values.secrets.app .root.Values.secrets.extra -}}
{{- if .migration -}}
{{- $items = concat $items .root.Values.secrets.migration -}}
{{- end -}}
{{- toYaml $items -}}
{{- end -}}

{{/* The container's environment: the ConfigMap's settings (inline for hooks, which run before the ConfigMap
exists) and NAME_FILE for every secret. Call with (dict "root" $ "migration" bool "inline" bool). */}}
{{- define "ks.env" -}}
{{- $items := include "ks.secretItems" . | fromYamlArray -}}
{{- if .inline }}
{{- range $name, $value := .root.Values.config }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
- name: KOMMUNALSCHUTZ_VAR_DIR
  value: /var/lib/kommunalschutz
{{- range $items }}
- name: {{ printf "%s_FILE" .env }}
  value: {{ printf "/run/secrets/kommunalschutz/%s" .env | quote }}
{{- end }}
{{- end -}}

{{- define "ks.envFrom" -}}
- configMapRef:
    name: {{ include "ks.fullname" . }}
{{- end -}}

{{/* Volumes: secrets as files (projected, read-only), the var directory, /tmp and the metrics directory in memory. */}}
{{- define "ks.volumes" -}}
{{- $items := include "ks.secretItems" . | fromYamlArray -}}
- name: secrets
  projected:
    defaultMode: 0440   # group-readable: the group is fsGroup (10001), the owner root
    sources:
      {{- range $items }}
      - secret:
          name: {{ .secretName }}
          items:
            - key: {{ .key }}
              path: {{ .env }}
      {{- end }}
- name: var
  {{- if .root.Values.var.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .root.Values.var.existingClaim }}
  {{- else }}
  emptyDir:
    sizeLimit: {{ .root.Values.var.sizeLimit }}
  {{- end }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: {{ .root.Values.tmp.sizeLimit }}
- name: prometheus
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- end -}}

{{- define "ks.volumeMounts" -}}
- name: secrets
  mountPath: /run/secrets/kommunalschutz
  readOnly: true
- name: var
  mountPath: /var/lib/kommunalschutz
- name: tmp
  mountPath: /tmp
- name: prometheus
  mountPath: /run/prometheus
{{- end -}}

{{- define "ks.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext -}}
{{- end -}}

{{/* Egress rules every pod of the release needs. */}}
{{- define "ks.egress" -}}
{{- $np := .Values.networkPolicy -}}
- to:
    - namespaceSelector:
        {{- toYaml $np.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml $np.dns.podSelector | nindent 8 }}
  ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
- to:
    {{- toYaml $np.postgres.to | nindent 4 }}
  ports:
    - {port: {{ $np.postgres.port }}, protocol: TCP}
- to:
    {{- toYaml $np.redis.to | nindent 4 }}
  ports:
    - {port: {{ $np.redis.port }}, protocol: TCP}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
