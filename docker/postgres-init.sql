-- The application's database, beside the `test` database the test suite uses.
CREATE DATABASE instagram_livechat;
