-- docker-compose.yml: one database and one login per service, each owning its
-- own database only (DESIGN.md: every service keeps its own data). Development
-- passwords; production databases come from the Helm chart or your own server.
CREATE ROLE chat LOGIN PASSWORD 'chat';
CREATE DATABASE chat OWNER chat;
CREATE ROLE participant LOGIN PASSWORD 'participant';
CREATE DATABASE participant OWNER participant;
CREATE ROLE sharing_policy LOGIN PASSWORD 'sharing_policy';
CREATE DATABASE sharing_policy OWNER sharing_policy;
CREATE ROLE notification LOGIN PASSWORD 'notification';
CREATE DATABASE notification OWNER notification;
CREATE ROLE audit LOGIN PASSWORD 'audit';
CREATE DATABASE audit OWNER audit;
-- No one else connects to a service's database.
REVOKE CONNECT ON DATABASE chat, participant, sharing_policy, notification, audit FROM PUBLIC;
