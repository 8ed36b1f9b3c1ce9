{{/* The release's name prefix: the release name when it already says huddle. */}}
{{- define "huddle.fullname" -}}
{{- if contains "huddle" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-huddle" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels every object carries. */}}
{{- define "huddle.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: huddle
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: huddle
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Every pod of this release: whom the services accept calls from. */}}
{{- define "huddle.releaseSelector" -}}
app.kubernetes.io/name: huddle
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The pods of one component; context: {root, name}. */}}
{{- define "huddle.selectorLabels" -}}
{{ include "huddle.releaseSelector" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Name of a component's objects; context: {root, name}. */}}
{{- define "huddle.componentName" -}}
{{- printf "%s-%s" (include "huddle.fullname" .root) .name -}}
{{- end -}}

{{/* The Secret holding AUTH_JWT_SECRET. */}}
{{- define "huddle.authSecretName" -}}
{{- .Values.auth.existingSecret | default (printf "%s-auth" (include "huddle.fullname" .)) -}}
{{- end -}}

{{/* The CloudNativePG Cluster of one service; context: {root, name}. */}}
{{- define "huddle.databaseCluster" -}}
{{- printf "%s-%s-db" (include "huddle.fullname" .root) .name -}}
{{- end -}}

{{/* A component's settings: the defaults, overridden by its own entry; context: {root, name}. */}}
{{- define "huddle.componentValues" -}}
{{- $component := index .root.Values.components .name -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy $component)) -}}
{{- end -}}

{{/* Host and port of a URL such as nats://nats:4222 or http://collector:4318; the port defaults by scheme. */}}
{{- define "huddle.urlPort" -}}
{{- $url := urlParse . -}}
{{- $host := $url.host -}}
{{- if contains ":" $host -}}
{{- last (splitList ":" $host) -}}
{{- else if eq $url.scheme "https" -}}443
{{- else if eq $url.scheme "nats" -}}4222
{{- else -}}80
{{- end -}}
{{- end -}}

{{/*
What the pods' checksum/secrets annotation is made of: the names of the
Secrets they read and, for the one the chart creates, its current content in
the cluster, so replacing a secret and upgrading rolls the pods.
*/}}
{{- define "huddle.secretsChecksum" -}}
{{- $auth := lookup "v1" "Secret" .Release.Namespace (include "huddle.authSecretName" .) -}}
{{- list .Values.auth .Values.database (($auth).data | default dict) | toJson | sha256sum -}}
{{- end -}}
