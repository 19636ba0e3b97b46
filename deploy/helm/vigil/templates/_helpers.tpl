{{/* The chart's name, or nameOverride. */}}
{{- define "vigil.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: fullnameOverride, else the release name when it
contains the chart's name, else release-chart. */}}
{{- define "vigil.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "vigil.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "vigil.labels" -}}
helm.sh/chart: {{ include "vigil.chart" . }}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: agent
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "vigil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vigil.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "vigil.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The metrics listener's address in vigil.yaml. */}}
{{- define "vigil.metricsListen" -}}
{{- if .Values.metrics.allowRemote }}
{{- printf ":%d" (int .Values.metrics.port) }}
{{- else }}
{{- printf "127.0.0.1:%d" (int .Values.metrics.port) }}
{{- end }}
{{- end }}

{{/* Checks a rule or policy file name: it becomes a file name in the
container and part of a ConfigMap key. */}}
{{- define "vigil.checkFileName" -}}
{{- if not (regexMatch "^[A-Za-z0-9][-._A-Za-z0-9]*\\.ya?ml$" .) }}
{{- fail (printf "%q: rule and policy file names are letters, digits, '-', '_' and '.', ending in .yaml or .yml" .) }}
{{- end }}
{{- end }}

{{/* vigil.yaml: what the values say, with .Values.config laid over it. */}}
{{- define "vigil.config" -}}
{{- $rules := list }}
{{- if .Values.rules.builtin }}
{{- $rules = append $rules "builtin" }}
{{- end }}
{{- if .Values.rules.files }}
{{- $rules = append $rules "/etc/vigil/rules.d" }}
{{- end }}
{{- if not $rules }}
{{- fail "no rules: set rules.builtin or give rules.files" }}
{{- end }}
{{- $policies := list }}
{{- if .Values.policies.files }}
{{- $policies = append $policies "/etc/vigil/policies.d" }}
{{- end }}
{{- $cfg := dict
  "rules" (dict "files" $rules)
  "policies" (dict "files" $policies)
  "outputs" .Values.outputs
  "containers" (dict "docker_socket" "/run/docker.sock")
  "metrics" (dict
    "enabled" .Values.metrics.enabled
    "listen" (include "vigil.metricsListen" .)
    "allow_remote" .Values.metrics.allowRemote) }}
{{- mustMergeOverwrite $cfg (deepCopy .Values.config) | toYaml }}
{{- end }}

{{/* The container's security context. */}}
{{- define "vigil.securityContext" -}}
runAsUser: 0
runAsGroup: 0
runAsNonRoot: false
readOnlyRootFilesystem: true
{{- if .Values.privileged }}
privileged: true
{{- else }}
privileged: false
{{- $caps := list }}
{{- range .Values.capabilities }}
{{- $caps = append $caps (trimPrefix "CAP_" (upper .)) }}
{{- end }}
{{- /* Kubernetes refuses allowPrivilegeEscalation: false with SYS_ADMIN. */}}
{{- if not (has "SYS_ADMIN" $caps) }}
allowPrivilegeEscalation: false
{{- end }}
capabilities:
  drop: [ALL]
  add:
    {{- toYaml $caps | nindent 4 }}
{{- with .Values.seccompProfile }}
seccompProfile:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.appArmorProfile }}
appArmorProfile:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
{{- end }}

{{/* An appArmorProfile as the value of the older pod annotation. */}}
{{- define "vigil.appArmorAnnotation" -}}
{{- if eq .type "Unconfined" }}unconfined
{{- else if eq .type "RuntimeDefault" }}runtime/default
{{- else if eq .type "Localhost" }}localhost/{{ required "appArmorProfile.localhostProfile is required with type Localhost" .localhostProfile }}
{{- else }}{{ fail (printf "appArmorProfile.type %q: want Unconfined, RuntimeDefault or Localhost" .type) }}
{{- end }}
{{- end }}
