resource "azurerm_mssql_server" "tracking" {
  administrator_login          = "mlflow"
  administrator_login_password = azurerm_key_vault_secret.sql_password.value
}
provider "azurerm" {
  client_secret = var.client_secret
}
resource "aws_db_instance" "tracking" {
  password   = random_password.db.result
  secret_key = data.aws_ssm_parameter.secret_key.value
}
