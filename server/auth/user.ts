// Who a successful login is: the one shape every protocol, the webmail and tokens hand around.
export interface AuthenticatedUser {
  id: number;
  address: string;
  local: string;
  domain: string;
  displayName: string;
  role: string;
}
