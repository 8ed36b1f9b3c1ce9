{{- /*
The objects of one component. Each template takes {root, name, c}: the chart's
root context, the component's name, and its settings (defaults merged with its
entry in .Values.components).
*/ -}}

{{/* Where the attachments volume is mounted in a component that keeps attachment files. */}}
{{- define "huddle.attachmentsPath" -}}/var/lib/huddle/attachments{{- end -}}

{{/* Configuration that is not secret, as environment variables (README "Configuration"). */}}
{{- define "huddle.configMap" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $c := .c -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "huddle.componentName" . }}
  labels:
    {{- include "huddle.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
data:
  LOG_LEVEL: {{ $values.logLevel | quote }}
  NATS_URL: {{ $values.nats.url | quote }}
  SHUTDOWN_TIMEOUT_MS: {{ mul $values.shutdown.shutdownTimeoutSeconds 1000 | quote }}
  {{- with $values.telemetry.otlpEndpoint }}
  OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
  {{- end }}
  {{- if eq $c.kind "http" }}
  HOST: "0.0.0.0"
  PORT: {{ $c.port | quote }}
  {{- with $values.auth.jwksUrl }}
  AUTH_JWKS_URL: {{ . | quote }}
  {{- end }}
  {{- with $values.auth.issuer }}
  AUTH_JWT_ISSUER: {{ . | quote }}
  {{- end }}
  {{- with $values.auth.audience }}
  AUTH_JWT_AUDIENCE: {{ . | quote }}
  {{- end }}
  {{- else }}
  GRPC_HOST: "0.0.0.0"
  GRPC_PORT: {{ $c.port | quote }}
  METRICS_PORT: {{ $c.metricsPort | quote }}
  DATABASE_POOL_SIZE: {{ $values.database.poolSize | quote }}
  # Only a scratch folder: every service runs on its PostgreSQL database.
  DATA_DIR: /tmp/huddle
  {{- end }}
  {{- if $c.attachmentsVolume }}
  ATTACHMENTS_DIR: {{ include "huddle.attachmentsPath" . }}
  {{- end }}
  {{- range $callee := $c.calls }}
  {{ printf "%s_ADDR" ($callee | upper | replace "-" "_") }}: {{ printf "%s:%v" (include "huddle.componentName" (dict "root" $root "name" $callee)) (index $values.components $callee).port | quote }}
  {{- end }}
  {{- range $key, $value := $c.env }}
  {{ $key }}: {{ $value | toString | quote }}
  {{- end }}
{{- end -}}

{{- define "huddle.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "huddle.componentName" . }}
  labels:
    {{- include "huddle.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
# Huddle never calls the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}

{{- define "huddle.service" -}}
{{- $c := .c -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "huddle.componentName" . }}
  labels:
    {{- include "huddle.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  type: ClusterIP
  selector:
    {{- include "huddle.selectorLabels" . | nindent 4 }}
  ports:
    {{- if eq $c.kind "http" }}
    - name: http
      port: {{ $c.port }}
      targetPort: http
      appProtocol: http
    {{- else }}
    - name: grpc
      port: {{ $c.port }}
      targetPort: grpc
      appProtocol: grpc
    - name: metrics
      port: {{ $c.metricsPort }}
      targetPort: metrics
      appProtocol: http
    {{- end }}
{{- end -}}

{{- define "huddle.deployment" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $c := .c -}}
{{- $shutdown := $values.shutdown -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "huddle.componentName" . }}
  labels:
    {{- include "huddle.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  {{- if not $c.autoscaling.enabled }}
  replicas: {{ $c.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "huddle.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "huddle.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .name }}
      annotations:
        # A change of configuration or of the chart's secrets rolls the pods.
        checksum/config: {{ include "huddle.configMap" . | sha256sum }}
        checksum/secrets: {{ include "huddle.secretsChecksum" $root }}
        {{- with $c.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "huddle.componentName" . }}
      automountServiceAccountToken: false
      {{- with $values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      # preStop pause + the process's own shutdown deadline + a margin before SIGKILL.
      terminationGracePeriodSeconds: {{ add $shutdown.preStopSeconds $shutdown.shutdownTimeoutSeconds 10 }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "huddle.selectorLabels" . | nindent 14 }}
      {{- with $c.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $c.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .name }}
          image: {{ printf "%s/%s:%s" $values.image.repository .name ($values.image.tag | default $root.Chart.AppVersion) | quote }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          envFrom:
            - configMapRef:
                name: {{ include "huddle.componentName" . }}
          env:
            {{- if eq $c.kind "http" }}
            {{- if or $values.auth.existingSecret (not $values.auth.jwksUrl) }}
            - name: AUTH_JWT_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ include "huddle.authSecretName" $root }}
                  key: AUTH_JWT_SECRET
            {{- end }}
            {{- else }}
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  {{- if eq $values.database.mode "cnpg" }}
                  name: {{ include "huddle.databaseCluster" . }}-app
                  key: uri
                  {{- else }}
                  name: {{ required "database.external.existingSecret is required when database.mode is external" $values.database.external.existingSecret }}
                  key: {{ .name }}
                  {{- end }}
            {{- end }}
            {{- range $key, $ref := $c.secretEnv }}
            - name: {{ $key }}
              valueFrom:
                secretKeyRef:
                  name: {{ $ref.secret }}
                  key: {{ $ref.key }}
            {{- end }}
          ports:
            {{- if eq $c.kind "http" }}
            - name: http
              containerPort: {{ $c.port }}
              protocol: TCP
            {{- else }}
            - name: grpc
              containerPort: {{ $c.port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $c.metricsPort }}
              protocol: TCP
            {{- end }}
          {{- if eq $c.kind "http" }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          # Ready only while the services and NATS it needs answer.
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          {{- else }}
          # The standard gRPC health service: SERVING only while the database and NATS answer.
          # Migrations run before the server listens, hence the long start-up allowance.
          startupProbe:
            grpc:
              port: {{ $c.port }}
            periodSeconds: 2
            failureThreshold: 90
          readinessProbe:
            grpc:
              port: {{ $c.port }}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          # Liveness asks only whether the process accepts connections: a database
          # outage makes the pod unready, and restarting it would not help.
          livenessProbe:
            tcpSocket:
              port: grpc
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          {{- end }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $shutdown.preStopSeconds }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
          securityContext:
            runAsNonRoot: true
            runAsUser: 1000
            runAsGroup: 1000
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            privileged: false
            capabilities:
              drop: [ALL]
            seccompProfile:
              type: RuntimeDefault
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if $c.attachmentsVolume }}
            - name: attachments
              mountPath: {{ include "huddle.attachmentsPath" . }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
        {{- if $c.attachmentsVolume }}
        - name: attachments
          persistentVolumeClaim:
            claimName: {{ $values.attachments.existingClaim | default (printf "%s-attachments" (include "huddle.fullname" $root)) }}
        {{- end }}
{{- end -}}

{{- define "huddle.podDisruptionBudget" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "huddle.componentName" . }}
  labels:
    {{- include "huddle.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  maxUnavailable: {{ .c.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "huddle.selectorLabels" . | nindent 6 }}
{{- end -}}

{{- define "huddle.horizontalPodAutoscaler" -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "huddle.componentName" . }}
  labels:
    {{- include "huddle.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "huddle.componentName" . }}
  minReplicas: {{ .c.autoscaling.minReplicas }}
  maxReplicas: {{ .c.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .c.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}

{{/*
Only the gateway takes traffic from outside the release; the services take
calls from the release's own pods, and their metrics port from the scrapers.
Egress: DNS, the release's services, NATS, PostgreSQL (services), the OTLP
collector, and the component's own outside destinations.
*/}}
{{- define "huddle.networkPolicy" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $c := .c -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "huddle.componentName" . }}
  labels:
    {{- include "huddle.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  podSelector:
    matchLabels:
      {{- include "huddle.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- if eq $c.kind "http" }}
    - ports:
        - port: http
          protocol: TCP
    {{- else }}
    - from:
        - podSelector:
            matchLabels:
              {{- include "huddle.releaseSelector" $root | nindent 14 }}
      ports:
        - port: grpc
          protocol: TCP
    - from:
        {{- toYaml $values.metrics.scrapers | nindent 8 }}
      ports:
        - port: metrics
          protocol: TCP
    {{- end }}
  egress:
    - ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- if $c.calls }}
    - to:
        - podSelector:
            matchLabels:
              {{- include "huddle.releaseSelector" $root | nindent 14 }}
      ports:
        {{- range $callee := $c.calls }}
        - port: {{ (index $values.components $callee).port }}
          protocol: TCP
        {{- end }}
    {{- end }}
    - to:
        {{- toYaml $values.nats.networkPolicyPeers | nindent 8 }}
      ports:
        - port: {{ include "huddle.urlPort" $values.nats.url }}
          protocol: TCP
    {{- if eq $c.kind "grpc" }}
    - to:
        {{- if eq $values.database.mode "cnpg" }}
        - podSelector:
            matchLabels:
              cnpg.io/cluster: {{ include "huddle.databaseCluster" . }}
        {{- else }}
        {{- if not $values.database.external.networkPolicyPeers }}
        {{- fail "database.external.networkPolicyPeers: say where the external PostgreSQL servers are (an empty list would allow every destination)" }}
        {{- end }}
        {{- toYaml $values.database.external.networkPolicyPeers | nindent 8 }}
        {{- end }}
      ports:
        - port: {{ ternary 5432 $values.database.external.port (eq $values.database.mode "cnpg") }}
          protocol: TCP
    {{- end }}
    {{- with $values.telemetry.otlpEndpoint }}
    {{- if not $values.telemetry.networkPolicyPeers }}
    {{- fail "telemetry.networkPolicyPeers: say where the OTLP collector is (an empty list would allow every destination)" }}
    {{- end }}
    - to:
        {{- toYaml $values.telemetry.networkPolicyPeers | nindent 8 }}
      ports:
        - port: {{ include "huddle.urlPort" . }}
          protocol: TCP
    {{- end }}
    {{- with $c.networkPolicy.egress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
