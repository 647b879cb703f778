import { Module } from '@nestjs/common';
import { AdminAuthModule } from '../settings/admin-auth.module';
import { ConnectHandleStore } from './connect-handle.store';
import { ConnectController } from './connect.controller';
import { InstagramConnectService } from './instagram-connect.service';

@Module({
  imports: [AdminAuthModule],
  controllers: [ConnectController],
  providers: [InstagramConnectService, ConnectHandleStore],
})
export class ConnectModule {}
